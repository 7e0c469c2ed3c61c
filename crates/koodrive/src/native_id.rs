//! The form of a KooDrive share id, checked before a client's id reaches a vendor path.

use unishare_core::Result;

/// Longest share id accepted (ids are 19-digit numbers held in strings).
const MAX_LEN: usize = 32;

/// A KooDrive `shareId` is a decimal number in a string (`vendors/koodrive.md` §3.1, e.g.
/// `"1689743054514187776"`): 1 to 32 ASCII digits. Anything else (`.`, `..`, encoded separators,
/// `?`, `#`, `cancel`) could not name a share and might name another route, so it is a 400
/// before any vendor call.
pub fn check(native_id: &str) -> Result<()> {
    unishare_core::id::check_native_form(
        native_id,
        MAX_LEN,
        u8::is_ascii_digit,
        "KooDrive",
        "decimal digits",
    )
}

#[cfg(test)]
mod tests {
    use super::check;

    #[test]
    fn digits_pass_and_path_tricks_fail() {
        for ok in ["1689743054514187776", "0", &"9".repeat(32)] {
            assert!(check(ok).is_ok(), "{ok}");
        }
        for bad in [
            "",
            ".",
            "..",
            "cancel",
            "1.2",
            "1/2",
            "1%2F2",
            "%2e%2e",
            "1\\2",
            "1?a",
            "1#a",
            "-1",
            "١",
            &"1".repeat(33),
        ] {
            assert!(check(bad).is_err(), "{bad:?}");
        }
    }
}
