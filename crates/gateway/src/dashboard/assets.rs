//! The dashboard's files, embedded at compile time from `crates/gateway/assets/dashboard/`.

/// The page.
pub const INDEX_HTML: &str = include_str!("../../assets/dashboard/index.html");

const JS: &str = "text/javascript; charset=utf-8";
const CSS: &str = "text/css; charset=utf-8";

/// Every file under `/dashboard/`: name, content type, contents.
pub const FILES: &[(&str, &str, &str)] = &[
    (
        "app.css",
        CSS,
        include_str!("../../assets/dashboard/app.css"),
    ),
    (
        "main.js",
        JS,
        include_str!("../../assets/dashboard/main.js"),
    ),
    ("api.js", JS, include_str!("../../assets/dashboard/api.js")),
    ("dom.js", JS, include_str!("../../assets/dashboard/dom.js")),
    (
        "url-state.js",
        JS,
        include_str!("../../assets/dashboard/url-state.js"),
    ),
    (
        "charts.js",
        JS,
        include_str!("../../assets/dashboard/charts.js"),
    ),
    (
        "tiles.js",
        JS,
        include_str!("../../assets/dashboard/tiles.js"),
    ),
    (
        "table.js",
        JS,
        include_str!("../../assets/dashboard/table.js"),
    ),
    (
        "actions.js",
        JS,
        include_str!("../../assets/dashboard/actions.js"),
    ),
    (
        "dialogs.js",
        JS,
        include_str!("../../assets/dashboard/dialogs.js"),
    ),
];

/// The content type and contents of the file called `name`.
pub fn find(name: &str) -> Option<(&'static str, &'static str)> {
    FILES
        .iter()
        .find(|(n, _, _)| *n == name)
        .map(|(_, t, body)| (*t, *body))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_module_the_scripts_import_is_served() {
        for (name, _, body) in FILES {
            for line in body.lines() {
                let Some(rest) = line.trim().strip_prefix("import ") else {
                    continue;
                };
                let Some(path) = rest.split("\"./").nth(1).and_then(|p| p.split('"').next()) else {
                    panic!("{name}: import without a \"./file\" path: {line}");
                };
                assert!(find(path).is_some(), "{name} imports {path}, not served");
            }
        }
    }

    #[test]
    fn the_page_loads_only_embedded_files_and_has_no_inline_script() {
        assert!(INDEX_HTML.contains(r#"<script type="module" src="/dashboard/main.js">"#));
        assert!(!INDEX_HTML.contains("<script>"), "inline script");
        assert!(!INDEX_HTML.contains(" style="), "inline style");
        assert!(!INDEX_HTML.contains("http://") && !INDEX_HTML.contains("https://"));
        for (name, _, body) in FILES {
            assert!(!body.contains("innerHTML"), "{name} uses innerHTML");
            assert!(!body.contains("eval("), "{name} uses eval");
        }
    }
}
