-- wrk script: POST /api/v1/auth/token with a demo account's credentials.
-- Used by scripts/bench-signin.sh; see docs/PERFORMANCE.md.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"username":"city_admin","password":"Tuoguan#2026"}'

done = function(summary, latency, requests)
  io.write(string.format("answers other than 2xx/3xx: %d\n", summary.errors.status))
  io.write(string.format("sign-in latency p50 %.1f ms, p90 %.1f ms, p99 %.1f ms, max %.1f ms over %d sign-ins\n",
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000,
    latency.max / 1000, summary.requests))
end
