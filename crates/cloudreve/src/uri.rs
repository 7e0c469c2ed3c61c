//! Cloudreve file URIs: `cloudreve://{owner hashid}@my/...` or `cloudreve://my/...`
//! (`vendors/cloudreve-v4.md` §3.7, §5; `docs/vendors/cloudreve.md`).

use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};

/// What Go's `url.URL.String()` leaves unescaped in a path segment (`shouldEscape` in
/// `encodePath` mode): letters, digits, `-_.~` and the reserved `$&+,:;=@`. Everything else,
/// spaces and non-ASCII included, becomes `%XX` of its UTF-8 bytes. (`/` never occurs in a
/// Cloudreve file name; it is escaped here so a name can never add a path segment.)
const GO_PATH_SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~')
    .remove(b'$')
    .remove(b'&')
    .remove(b'+')
    .remove(b',')
    .remove(b':')
    .remove(b';')
    .remove(b'=')
    .remove(b'@');

/// The URI of a file named `name` inside the folder `folder_uri`: how a single-file share's
/// own URI is made from its `source_uri`, which is the file's parent folder (BE-4.18
/// `share_navigator.go` `Root`; the web client joins the name the same way,
/// FE `src/redux/thunks/share.ts` `getFileAndShareById`).
pub(crate) fn file_in_folder(folder_uri: &str, name: &str) -> String {
    let folder = folder_uri.trim_end_matches('/');
    format!("{folder}/{}", utf8_percent_encode(name, GO_PATH_SEGMENT))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_joined_escaped_as_go_prints_a_path() {
        assert_eq!(
            file_in_folder("cloudreve://bnUn@my/Docs", "report.pdf"),
            "cloudreve://bnUn@my/Docs/report.pdf"
        );
        // The root folder prints with a trailing slash.
        assert_eq!(
            file_in_folder("cloudreve://bnUn@my/", "notes.txt"),
            "cloudreve://bnUn@my/notes.txt"
        );
        assert_eq!(
            file_in_folder("cloudreve://my/%F0%9F%93%B7%20Photos", "a b+c.jpg"),
            "cloudreve://my/%F0%9F%93%B7%20Photos/a%20b+c.jpg"
        );
        assert_eq!(
            file_in_folder("cloudreve://bnUn@my", "新文件2.txt"),
            "cloudreve://bnUn@my/%E6%96%B0%E6%96%87%E4%BB%B62.txt"
        );
        assert_eq!(
            file_in_folder("cloudreve://bnUn@my", "50%?#(x)!'*"),
            "cloudreve://bnUn@my/50%25%3F%23%28x%29%21%27%2A"
        );
        assert_eq!(
            file_in_folder("cloudreve://bnUn@my", "a/b"),
            "cloudreve://bnUn@my/a%2Fb"
        );
    }
}
