// Charts drawn from the tables under them (docs/UI.md, "Charts"): the table is the data and what
// a reader without JavaScript sees; with it, ECharts (vendored, echarts-6.1.0.min.js) draws each
// <table data-chart="bar|line"> once, above it.
//
// On the table:
//   data-chart        bar | line
//   data-series       the columns (0-based, body cells) to draw, e.g. "9,10"
//   data-stack        present: the bars of one row are stacked
//   data-title        the chart's accessible name
//   data-rule         a value drawn as a dashed line across the first series (e.g. the 75% rule)
//   data-rule-name    that line's label
// Categories are the first cell of each body row; series names are the column headers.
(function () {
  "use strict";
  if (typeof echarts === "undefined") return;

  function number(cell) {
    var n = parseFloat((cell ? cell.textContent : "").replace(/[^0-9.\-]/g, ""));
    return isNaN(n) ? 0 : n;
  }

  function draw(table) {
    var kind = table.dataset.chart === "line" ? "line" : "bar";
    var cols = (table.dataset.series || "1").split(",").map(Number);
    var heads = table.tHead ? table.tHead.rows[0].cells : [];
    var rows = Array.prototype.slice.call(table.tBodies[0] ? table.tBodies[0].rows : []);
    if (!rows.length) return;
    var box = document.createElement("div");
    box.className = "chart";
    box.setAttribute("role", "img");
    box.setAttribute("aria-label", table.dataset.title || "");
    // Above the table's scrolling box, so the chart neither scrolls with it nor is cut by it.
    (table.parentElement.closest(".table-wrap") || table).insertAdjacentElement("beforebegin", box);
    var chart = echarts.init(box, null, { renderer: "canvas" });
    chart.setOption({
      animation: false,
      aria: { enabled: true },
      tooltip: { trigger: "axis" },
      legend: { top: 0 },
      grid: { left: 8, right: 8, top: 36, bottom: 8, containLabel: true },
      xAxis: {
        type: "category",
        data: rows.map(function (r) { return r.cells[0].textContent.trim(); }),
        axisLabel: { interval: 0, rotate: rows.length > 4 ? 30 : 0 },
      },
      yAxis: {
        type: "value",
        minInterval: 1,
        // The rule's line stays in view even when every bar is below it.
        max: table.dataset.rule
          ? function (v) { return Math.max(v.max, Number(table.dataset.rule) * 1.1); }
          : undefined,
      },
      series: cols.map(function (c, i) {
        var s = {
          type: kind,
          name: heads[c] ? heads[c].textContent.trim() : "",
          stack: table.hasAttribute("data-stack") ? "all" : undefined,
          data: rows.map(function (r) { return number(r.cells[c]); }),
        };
        if (i === 0 && table.dataset.rule) {
          s.markLine = {
            symbol: "none",
            lineStyle: { type: "dashed", color: "#a3161a" },
            label: { position: "insideEndTop", formatter: table.dataset.ruleName || table.dataset.rule },
            data: [{ yAxis: Number(table.dataset.rule) }],
          };
        }
        return s;
      }),
    });
    window.addEventListener("resize", function () { chart.resize(); });
  }

  function all() {
    document.querySelectorAll("table[data-chart]").forEach(draw);
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", all);
  } else {
    all();
  }
})();
