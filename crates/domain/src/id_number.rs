//! The resident ID number (居民身份证号码) of GB 11643-1999.
//!
//! Eighteen characters: a six-digit address code whose first two digits are the province,
//! the date of birth as `YYYYMMDD`, a three-digit sequence number whose parity gives the sex
//! (odd for male), and an ISO 7064 MOD 11-2 check character (`0`–`9` or `X`).
//!
//! Children's ID numbers are personal data: [`IdNumber`]'s `Debug` prints only the masked form,
//! and it has no `Display`, so the full number reaches text only through [`IdNumber::as_str`].

use std::fmt;

use chrono::NaiveDate;

/// Weights of the first 17 digits in the checksum.
const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
/// The check character for each value of the weighted sum modulo 11.
const CHECK: [u8; 11] = *b"10X98765432";
/// Earliest year of birth accepted; anything before is a typing mistake.
const MIN_BIRTH_YEAR: i32 = 1900;

/// A validated 18-character resident ID number, stored upper-case.
#[derive(Clone, PartialEq, Eq)]
pub struct IdNumber(String);

/// Why a string is not a valid resident ID number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum IdNumberError {
    /// Not 18 characters long.
    #[error("an ID number has 18 characters")]
    Length,
    /// Not 17 digits followed by a digit or `X`.
    #[error("an ID number is 17 digits followed by a digit or X")]
    Characters,
    /// The first two digits are not a province code.
    #[error("the first two digits are not a province code")]
    Province,
    /// Digits 7–14 are not a real date (or one before 1900).
    #[error("the date of birth in the ID number is not a real date")]
    BirthDate,
    /// The date of birth is after today.
    #[error("the date of birth in the ID number is in the future")]
    FutureBirthDate,
    /// The check character does not match the other 17 digits.
    #[error("the ID number's check character is wrong")]
    Checksum,
    /// The date of birth entered disagrees with the one in the ID number.
    #[error("the date of birth does not match the ID number")]
    BirthDateMismatch,
}

impl IdNumberError {
    /// i18n key, e.g. "id_number.checksum"
    pub fn code(&self) -> &'static str {
        match self {
            IdNumberError::Length => "id_number.length",
            IdNumberError::Characters => "id_number.characters",
            IdNumberError::Province => "id_number.province",
            IdNumberError::BirthDate => "id_number.birth_date",
            IdNumberError::FutureBirthDate => "id_number.future_birth_date",
            IdNumberError::Checksum => "id_number.checksum",
            IdNumberError::BirthDateMismatch => "id_number.birth_date_mismatch",
        }
    }
}

impl IdNumber {
    /// Validates and normalises an ID number.
    ///
    /// Trims surrounding whitespace, maps full-width digits and `Ｘ` (as typed with a Chinese
    /// input method) to ASCII and upper-cases a trailing `x`; then checks, in this order:
    /// 18 characters, 17 digits + `[0-9X]`, a real province code (11–15, 21–23, 31–37, 41–46,
    /// 50–54, 61–65, 71, 81, 82, and 83 of Taiwan residents' residence permits), a real date of
    /// birth from 1900 on and not after `today`, and the checksum.
    pub fn parse(s: &str, today: NaiveDate) -> Result<IdNumber, IdNumberError> {
        let s: String = s.trim().chars().map(to_ascii).collect();
        if s.chars().count() != 18 {
            return Err(IdNumberError::Length);
        }
        let b = s.as_bytes();
        if !b[..17].iter().all(u8::is_ascii_digit) || !(b[17].is_ascii_digit() || b[17] == b'X') {
            return Err(IdNumberError::Characters);
        }
        if !is_province(digits(&b[0..2])) {
            return Err(IdNumberError::Province);
        }
        let birth = birth_date_of(b).ok_or(IdNumberError::BirthDate)?;
        if birth > today {
            return Err(IdNumberError::FutureBirthDate);
        }
        if check_char(b) != b[17] {
            return Err(IdNumberError::Checksum);
        }
        Ok(IdNumber(s))
    }

    /// The full, normalised number. Never log it; use [`IdNumber::masked`].
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The date of birth encoded in digits 7–14.
    pub fn birth_date(&self) -> NaiveDate {
        birth_date_of(self.0.as_bytes()).expect("validated by parse")
    }

    /// Whether the sequence number (17th digit) is odd, which marks a male.
    pub fn is_male(&self) -> bool {
        (self.0.as_bytes()[16] - b'0') % 2 == 1
    }

    /// "110105********002X"  (first 6, 8 stars, last 4)
    pub fn masked(&self) -> String {
        format!("{}********{}", &self.0[..6], &self.0[14..])
    }

    /// Err(BirthDateMismatch) when the date of birth field disagrees
    pub fn check_birth_date(&self, dob: NaiveDate) -> Result<(), IdNumberError> {
        if self.birth_date() == dob {
            Ok(())
        } else {
            Err(IdNumberError::BirthDateMismatch)
        }
    }
}

impl fmt::Debug for IdNumber {
    /// Prints the masked number only: ID numbers must never reach logs.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("IdNumber").field(&self.masked()).finish()
    }
}

/// Full-width digits and X to ASCII; a lower-case x to upper-case.
fn to_ascii(c: char) -> char {
    match c {
        '０'..='９' => char::from(b'0' + (c as u32 - '０' as u32) as u8),
        'x' | 'Ｘ' | 'ｘ' => 'X',
        _ => c,
    }
}

/// The value of a run of ASCII digits (callers check they are digits).
fn digits(b: &[u8]) -> u32 {
    b.iter().fold(0, |n, d| n * 10 + u32::from(d - b'0'))
}

/// Province codes of GB/T 2260, plus 83 (Taiwan residents' residence permits).
fn is_province(code: u32) -> bool {
    matches!(code, 11..=15 | 21..=23 | 31..=37 | 41..=46 | 50..=54 | 61..=65 | 71 | 81..=83)
}

/// The date in characters 7–14 of an 18-digit number, if real and not before 1900.
fn birth_date_of(b: &[u8]) -> Option<NaiveDate> {
    let year = digits(&b[6..10]) as i32;
    if year < MIN_BIRTH_YEAR {
        return None;
    }
    NaiveDate::from_ymd_opt(year, digits(&b[10..12]), digits(&b[12..14]))
}

/// A number with its check character appended, from its first 17 ASCII digits (for demo data
/// and tests); `None` unless given exactly 17 digits.
pub fn with_check_char(first17: &str) -> Option<String> {
    let ok = first17.len() == 17 && first17.bytes().all(|b| b.is_ascii_digit());
    ok.then(|| format!("{first17}{}", check_char(first17.as_bytes()) as char))
}

/// The check character due for the first 17 digits.
fn check_char(b: &[u8]) -> u8 {
    let sum: u32 = b[..17]
        .iter()
        .zip(WEIGHTS)
        .map(|(d, w)| u32::from(d - b'0') * w)
        .sum();
    CHECK[(sum % 11) as usize]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn today() -> NaiveDate {
        d(2026, 1, 15)
    }

    /// Builds a number with a correct check character from its first 17 digits.
    fn with_check(first17: &str) -> String {
        let c = check_char(first17.as_bytes()) as char;
        format!("{first17}{c}")
    }

    #[test]
    fn valid_numbers() {
        // The same number as typed: plain, lower-case x, padded, full-width from an IME.
        let inputs = [
            "11010519491231002X",
            "11010519491231002x",
            "  11010519491231002X\n",
            "１１０１０５１９４９１２３１００２ｘ",
        ];
        for input in inputs {
            let id = IdNumber::parse(input, today()).unwrap_or_else(|e| panic!("{input}: {e}"));
            assert_eq!(id.as_str(), "11010519491231002X");
            assert_eq!(id.birth_date(), d(1949, 12, 31));
            assert!(!id.is_male());
            assert_eq!(id.check_birth_date(d(1949, 12, 31)), Ok(()));
        }
        for (first17, birth, male) in [
            ("44030620200229123", d(2020, 2, 29), true),  // leap day
            ("81000020190701004", d(2019, 7, 1), false),  // Hong Kong resident's permit
            ("83000020151010001", d(2015, 10, 10), true), // Taiwan resident's permit
            ("65010220260115005", d(2026, 1, 15), true),  // born today
        ] {
            let id = IdNumber::parse(&with_check(first17), today()).unwrap();
            assert_eq!((id.birth_date(), id.is_male()), (birth, male), "{first17}");
        }
    }

    #[test]
    fn each_error_kind() {
        let cases = [
            ("", IdNumberError::Length),
            ("11010519491231002", IdNumberError::Length),
            ("11010519491231002X1", IdNumberError::Length),
            ("110105194912310", IdNumberError::Length), // the old 15-digit form
            ("1101051949123100XX", IdNumberError::Characters),
            ("11010519491231002Y", IdNumberError::Characters),
            ("110105 19491231002", IdNumberError::Characters),
            ("一1010519491231002X", IdNumberError::Characters),
            ("00010519491231002X", IdNumberError::Province),
            ("16010519491231002X", IdNumberError::Province),
            ("84010519491231002X", IdNumberError::Province),
            ("11010519491331002X", IdNumberError::BirthDate),
            ("11010519490230002X", IdNumberError::BirthDate),
            ("11010518991231002X", IdNumberError::BirthDate),
            ("11010520260116002X", IdNumberError::FutureBirthDate),
            ("110105194912310021", IdNumberError::Checksum),
            ("11010519491231003X", IdNumberError::Checksum),
        ];
        for (input, want) in cases {
            assert_eq!(IdNumber::parse(input, today()), Err(want), "{input:?}");
        }
    }

    #[test]
    fn masking_debug_and_birth_date_check() {
        let id = IdNumber::parse("11010519491231002x", today()).unwrap();
        assert_eq!(id.masked(), "110105********002X");
        assert_eq!(format!("{id:?}"), "IdNumber(\"110105********002X\")");
        assert!(!format!("{id:#?}").contains("19491231"));
        assert_eq!(
            id.check_birth_date(d(1949, 12, 30)),
            Err(IdNumberError::BirthDateMismatch)
        );
    }

    #[test]
    fn error_codes_are_distinct_i18n_keys() {
        use IdNumberError::*;
        let all = [
            Length,
            Characters,
            Province,
            BirthDate,
            FutureBirthDate,
            Checksum,
        ];
        let mut codes: Vec<_> = all
            .iter()
            .chain([&BirthDateMismatch])
            .map(|e| e.code())
            .collect();
        assert!(codes.iter().all(|c| c.starts_with("id_number.")));
        assert_eq!(IdNumberError::Checksum.code(), "id_number.checksum");
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), 7);
    }
}
