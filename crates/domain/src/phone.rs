//! Mainland China mobile phone numbers (手机号码).
//!
//! Eleven digits `1[3-9]xxxxxxxxx`, as entered by parents in many shapes: with spaces or
//! dashes, with the country code `+86`, `0086` or `86`, or in full-width digits from a
//! Chinese input method. [`Phone`] stores the bare 11 digits; its `Debug` prints the masked
//! form so numbers do not reach logs.

use std::fmt;

/// A validated mainland mobile number: 11 ASCII digits.
#[derive(Clone, PartialEq, Eq)]
pub struct Phone(String);

/// Why a string is not a mainland mobile number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PhoneError {
    /// Not 11 digits starting with 13–19 (after removing separators and the country code).
    #[error("a mobile number is 11 digits starting with 13 to 19")]
    Format,
}

impl PhoneError {
    /// i18n key: "phone.format"
    pub fn code(&self) -> &'static str {
        match self {
            PhoneError::Format => "phone.format",
        }
    }
}

impl Phone {
    /// Strips spaces, dashes and a leading `+86` / `0086` / `86` country code (full-width
    /// forms too), then requires `^1[3-9]\d{9}$`.
    pub fn parse(s: &str) -> Result<Phone, PhoneError> {
        let s: String = s
            .chars()
            .filter(|c| !c.is_whitespace() && !matches!(c, '-' | '－' | '‐' | '–' | '—'))
            .map(|c| match c {
                '０'..='９' => char::from(b'0' + (c as u32 - '０' as u32) as u8),
                '＋' => '+',
                _ => c,
            })
            .collect();
        let national = if let Some(rest) = s.strip_prefix("+86").or_else(|| s.strip_prefix("0086"))
        {
            rest
        } else if s.len() == 13 {
            // A bare "86" can only be a country code when 11 digits follow.
            s.strip_prefix("86").unwrap_or(&s)
        } else {
            &s
        };
        let b = national.as_bytes();
        let valid = b.len() == 11
            && b[0] == b'1'
            && (b'3'..=b'9').contains(&b[1])
            && b.iter().all(u8::is_ascii_digit);
        if valid {
            Ok(Phone(national.to_owned()))
        } else {
            Err(PhoneError::Format)
        }
    }

    /// The bare 11 digits, e.g. `13812345678`.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// "138****5678"
    pub fn masked(&self) -> String {
        format!("{}****{}", &self.0[..3], &self.0[7..])
    }
}

impl fmt::Debug for Phone {
    /// Prints the masked number only.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Phone").field(&self.masked()).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepted_shapes() {
        let cases = [
            "13812345678",
            " 138 1234 5678 ",
            "138-1234-5678",
            "+8613812345678",
            "+86 138 1234 5678",
            "+86-138-1234-5678",
            "008613812345678",
            "0086 138 1234 5678",
            "8613812345678",
            "86 13812345678",
            "１３８１２３４５６７８",
            "＋８６　１３８１２３４５６７８",
        ];
        for input in cases {
            let phone = Phone::parse(input).unwrap_or_else(|_| panic!("{input:?}"));
            assert_eq!(phone.as_str(), "13812345678", "{input:?}");
        }
        for first3 in ["130", "145", "150", "166", "177", "188", "199"] {
            assert!(
                Phone::parse(&format!("{first3}00001111")).is_ok(),
                "{first3}"
            );
        }
    }

    #[test]
    fn rejected_shapes() {
        let cases = [
            "",
            "1381234567",     // 10 digits
            "138123456789",   // 12 digits
            "12812345678",    // second digit 2
            "10012345678",    // second digit 0
            "23812345678",    // does not start with 1
            "1381234567a",    // a letter
            "(138)12345678",  // brackets are not separators
            "+8513812345678", // another country code
            "+86 861381234567",
            "861381234567", // 12 characters: not a country code plus 11 digits
            "010-12345678", // a Beijing landline
            "+8612812345678",
            "138.1234.5678",
        ];
        for input in cases {
            assert_eq!(Phone::parse(input), Err(PhoneError::Format), "{input:?}");
        }
        assert_eq!(PhoneError::Format.code(), "phone.format");
    }

    #[test]
    fn masking_and_debug() {
        let phone = Phone::parse("+86 138-1234-5678").unwrap();
        assert_eq!(phone.masked(), "138****5678");
        assert_eq!(format!("{phone:?}"), "Phone(\"138****5678\")");
    }
}
