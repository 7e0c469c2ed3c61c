//! The form of a Cloudreve share id, checked before a client's id reaches a vendor path.

use unishare_core::Result;

/// Longest share id accepted (a hashid of a 64-bit id is far shorter).
const MAX_LEN: usize = 64;

/// A Cloudreve share id is a hashid: 1 to 64 ASCII letters and digits (the go-hashids
/// alphabet, `vendors/cloudreve-v4.md` "Object ids"). Anything else (`.`, `..`, encoded
/// separators, `?`, `#`) could not name a share and would change the request path, so it is a
/// 400 before any vendor call.
pub(crate) fn check(native_id: &str) -> Result<()> {
    unishare_core::id::check_native_form(
        native_id,
        MAX_LEN,
        u8::is_ascii_alphanumeric,
        "Cloudreve",
        "ASCII letters and digits",
    )
}

#[cfg(test)]
mod tests {
    use super::check;

    #[test]
    fn hashids_pass_and_path_tricks_fail() {
        for ok in ["g2guA", "bnUn", "0", &"a".repeat(64)] {
            assert!(check(ok).is_ok(), "{ok}");
        }
        for bad in [
            "",
            ".",
            "..",
            "a.b",
            "a/b",
            "a%2Fb",
            "%2e%2e",
            "a\\b",
            "a?b",
            "a#b",
            "ä",
            &"a".repeat(65),
        ] {
            assert!(check(bad).is_err(), "{bad:?}");
        }
    }
}
