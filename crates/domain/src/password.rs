//! Password policy (密码策略) for staff and parent accounts.
//!
//! Length first (10 to 128 characters, counted in Unicode scalar values so Chinese
//! characters count as one each), then a refusal of well-known passwords (the list in
//! `data/common_passwords.txt`, plus any single character repeated) and of passwords that
//! contain the username. No composition rules: length beats forced symbols.

/// Minimum password length, in characters.
pub const MIN_PASSWORD_LEN: usize = 10;
/// Maximum password length, in characters (bounds the hashing work).
pub const MAX_PASSWORD_LEN: usize = 128;

/// Well-known passwords, one lower-case entry a line; `#` lines are comments.
const COMMON_PASSWORDS: &str = include_str!("../data/common_passwords.txt");
/// Usernames shorter than this are not looked for inside the password.
const MIN_USERNAME_LEN: usize = 3;

/// Why a password is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PasswordError {
    /// Fewer than [`MIN_PASSWORD_LEN`] characters.
    #[error("the password must have at least 10 characters")]
    TooShort,
    /// More than [`MAX_PASSWORD_LEN`] characters.
    #[error("the password must have at most 128 characters")]
    TooLong,
    /// A well-known password, or one character repeated.
    #[error("the password is too common")]
    TooCommon,
    /// The password contains the username.
    #[error("the password must not contain the username")]
    ContainsUsername,
}

impl PasswordError {
    /// i18n key: "password.too_short", "password.too_long", "password.too_common" or
    /// "password.contains_username".
    pub fn code(&self) -> &'static str {
        match self {
            PasswordError::TooShort => "password.too_short",
            PasswordError::TooLong => "password.too_long",
            PasswordError::TooCommon => "password.too_common",
            PasswordError::ContainsUsername => "password.contains_username",
        }
    }
}

/// Checks a new password against the policy, in this order: length in chars (10..=128),
/// not a common password (compared lower-cased against `data/common_passwords.txt`, e.g.
/// `woaini1314`, `1qaz2wsx3edc`, `Aa123456789`; nor one character repeated), and not
/// containing the username (case-insensitive, for usernames of at least 3 chars).
pub fn check_password(password: &str, username: &str) -> Result<(), PasswordError> {
    let len = password.chars().count();
    if len < MIN_PASSWORD_LEN {
        return Err(PasswordError::TooShort);
    }
    if len > MAX_PASSWORD_LEN {
        return Err(PasswordError::TooLong);
    }
    let lower = password.to_lowercase();
    if is_common(&lower) || is_one_char_repeated(&lower) {
        return Err(PasswordError::TooCommon);
    }
    let username = username.trim().to_lowercase();
    if username.chars().count() >= MIN_USERNAME_LEN && lower.contains(&username) {
        return Err(PasswordError::ContainsUsername);
    }
    Ok(())
}

/// The entries of the embedded list.
fn common_passwords() -> impl Iterator<Item = &'static str> {
    COMMON_PASSWORDS
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
}

/// Whether the lower-cased password is on the list.
fn is_common(lower: &str) -> bool {
    common_passwords().any(|p| p == lower)
}

/// Whether the password is a single character repeated, like `aaaaaaaaaa`.
fn is_one_char_repeated(s: &str) -> bool {
    let mut chars = s.chars();
    chars.next().is_some_and(|first| chars.all(|c| c == first))
}

#[cfg(test)]
mod tests {
    use super::*;
    use PasswordError::*;

    #[test]
    fn policy_table() {
        let long = "托管".repeat(MAX_PASSWORD_LEN / 2);
        let too_long = format!("{long}x");
        let cases: Vec<(&str, &str, Result<(), PasswordError>)> = vec![
            ("correct horse battery", "zhangsan", Ok(())),
            ("Tuoguan-Summer-2026", "admin", Ok(())),
            ("我的孩子上暑托班啦", "li", Err(TooShort)), // 9 chars, though 27 bytes
            ("我的孩子上暑托班了吧", "li", Ok(())),      // 10 chars
            (&long, "admin", Ok(())),
            (&too_long, "admin", Err(TooLong)),
            ("", "admin", Err(TooShort)),
            ("short1234", "admin", Err(TooShort)),
            ("5201314", "admin", Err(TooShort)), // common, but length comes first
            ("iloveyou", "admin", Err(TooShort)),
            ("woaini1314", "admin", Err(TooCommon)),
            ("WoAiNi1314", "admin", Err(TooCommon)),
            ("a123456789", "admin", Err(TooCommon)),
            ("qq123456789", "admin", Err(TooCommon)),
            ("1qaz2wsx3edc", "admin", Err(TooCommon)),
            ("zxcvbnm123", "admin", Err(TooCommon)),
            ("password123", "admin", Err(TooCommon)),
            ("1234567890", "admin", Err(TooCommon)),
            ("11111111111", "admin", Err(TooCommon)),
            ("qwertyuiop", "admin", Err(TooCommon)),
            ("Aa123456789", "admin", Err(TooCommon)),
            ("zzzzzzzzzzzz", "admin", Err(TooCommon)),
            ("哈哈哈哈哈哈哈哈哈哈", "admin", Err(TooCommon)),
            ("zhangsan-2026!", "zhangsan", Err(ContainsUsername)),
            ("my-ZhangSan-pw", "zhangSAN", Err(ContainsUsername)),
            ("my-zhangsan-pw", " ZhangSan ", Err(ContainsUsername)),
            ("li-si-is-great", "li", Ok(())), // usernames under 3 chars are not looked for
            ("wangwu-rocks!", "wangwu2", Ok(())),
        ];
        for (password, username, want) in cases {
            assert_eq!(
                check_password(password, username),
                want,
                "{password:?} / {username:?}"
            );
        }
    }

    #[test]
    fn list_is_clean_and_sizeable() {
        let all: Vec<_> = common_passwords().collect();
        assert!(all.len() >= 150, "{} entries", all.len());
        let mut sorted = all.clone();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(sorted.len(), all.len(), "no duplicates");
        for p in &all {
            assert_eq!(*p, p.to_lowercase(), "lower-case: {p}");
            assert!(!p.contains(char::is_whitespace), "no spaces: {p}");
        }
        let long_enough = all
            .iter()
            .filter(|p| p.chars().count() >= MIN_PASSWORD_LEN)
            .count();
        assert!(
            long_enough >= 140,
            "most entries must be able to pass the length rule"
        );
    }

    #[test]
    fn codes() {
        let cases = [
            (TooShort, "password.too_short"),
            (TooLong, "password.too_long"),
            (TooCommon, "password.too_common"),
            (ContainsUsername, "password.contains_username"),
        ];
        for (err, code) in cases {
            assert_eq!(err.code(), code);
        }
    }
}
