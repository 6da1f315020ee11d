//! The user's language: Simplified Chinese first, English second. Every visible string is a key in
//! `locales/app.yml` looked up here.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum_extra::extract::CookieJar;

/// Name of the cookie that remembers the chosen language.
pub const LANG_COOKIE: &str = "tg_lang";

/// A supported locale.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    Zh,
    En,
}

impl Lang {
    /// BCP-47 code, as used in `locales/app.yml` and `<html lang>`.
    pub fn code(self) -> &'static str {
        match self {
            Lang::Zh => "zh-CN",
            Lang::En => "en",
        }
    }

    pub fn from_code(code: &str) -> Option<Lang> {
        match code {
            "zh-CN" | "zh" => Some(Lang::Zh),
            "en" => Some(Lang::En),
            _ => None,
        }
    }

    /// The text of `key`; the key itself when it is missing (a test keeps both locales complete).
    pub fn t(self, key: &str) -> String {
        rust_i18n::t!(key, locale = self.code()).into_owned()
    }

    /// The text of `key` with `%{name}` placeholders replaced.
    pub fn tf(self, key: &str, args: &[(&str, String)]) -> String {
        let mut s = self.t(key);
        for (name, value) in args {
            s = s.replace(&format!("%{{{name}}}"), value);
        }
        s
    }

    /// Picks the language from the cookie, then `Accept-Language`, then Chinese.
    pub fn from_parts(parts: &Parts) -> Lang {
        let jar = CookieJar::from_headers(&parts.headers);
        if let Some(lang) = jar
            .get(LANG_COOKIE)
            .and_then(|c| Lang::from_code(c.value()))
        {
            return lang;
        }
        let accept = parts
            .headers
            .get(axum::http::header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        let first = accept
            .split(',')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        if first.starts_with("en") {
            Lang::En
        } else {
            Lang::Zh
        }
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Lang {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Lang::from_parts(parts))
    }
}

/// A message to show the user: an i18n key and its arguments, localised at response time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Msg {
    pub key: &'static str,
    pub args: Vec<(&'static str, String)>,
    /// Arguments that are themselves message keys, localised with the message.
    pub key_args: Vec<(&'static str, &'static str)>,
}

impl Msg {
    pub fn new(key: &'static str) -> Msg {
        Msg {
            key,
            args: Vec::new(),
            key_args: Vec::new(),
        }
    }

    /// Adds an argument; a long one (e.g. a parser's description of a huge input) is cut at 200
    /// characters, so an error never echoes a whole request back.
    pub fn arg(mut self, name: &'static str, value: impl ToString) -> Msg {
        let v = value.to_string();
        let v = if v.chars().count() > 200 {
            format!("{}…", v.chars().take(200).collect::<String>())
        } else {
            v
        };
        self.args.push((name, v));
        self
    }

    pub fn arg_key(mut self, name: &'static str, key: &'static str) -> Msg {
        self.key_args.push((name, key));
        self
    }

    pub fn render(&self, lang: Lang) -> String {
        let mut args: Vec<(&str, String)> =
            self.args.iter().map(|(k, v)| (*k, v.clone())).collect();
        args.extend(self.key_args.iter().map(|(k, v)| (*k, lang.t(v))));
        lang.tf(self.key, &args)
    }
}
