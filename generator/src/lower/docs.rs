//! Descriptions as Markdown: specs that write HTML (Stripe's `<p>Creates a <a
//! href="/docs/api">charge</a></p>`) get Markdown doc comments (rustdoc and IDEs show raw tags
//! otherwise), with links relative to the site made absolute against the spec's server
//! (`https://api.stripe.com` gives `https://stripe.com/docs/api`). Markdown stays as written.

use super::Lowerer;
use crate::model::*;

/// Tags whose presence says a description is HTML, not Markdown that mentions `<`.
const HTML_TAGS: &[&str] = &[
    "<p>", "<p ", "</p>", "<a ", "</a>", "<code>", "<ul>", "<ol>", "<li>", "<strong>", "<em>",
    "<b>", "<i>", "<br", "<h1", "<h2", "<h3", "<h4", "<pre>", "<table", "<span", "<div",
];

impl<'a> Lowerer<'a> {
    /// Every doc of the model, as Markdown.
    pub(super) fn markdown_docs(&mut self, operations: &mut [Operation]) {
        let site = self.spec.servers.first().and_then(|s| site_of(&s.url));
        let convert = |doc: &mut Option<String>| {
            if let Some(text) = doc.as_mut() {
                if let Some(markdown) = to_markdown(text, site.as_deref()) {
                    *text = markdown;
                }
            }
        };
        for def in &mut self.types {
            convert(&mut def.doc);
            if let TypeKind::Struct(s) = &mut def.kind {
                s.fields.iter_mut().for_each(|f| convert(&mut f.doc));
            }
        }
        for op in operations {
            convert(&mut op.doc);
            convert(&mut op.summary);
            op.params.iter_mut().for_each(|p| convert(&mut p.doc));
            op.responses.iter_mut().for_each(|r| convert(&mut r.doc));
        }
    }
}

/// The site a spec's server belongs to: `https://api.stripe.com/v1` → `https://stripe.com`.
fn site_of(url: &str) -> Option<String> {
    let (scheme, host) = super::scheme_and_host(url);
    let scheme = scheme?;
    let labels: Vec<&str> = host.split('.').collect();
    let site = if labels.len() > 2 {
        labels[1..].join(".")
    } else {
        host.to_owned()
    };
    (!site.is_empty()).then(|| format!("{scheme}://{site}"))
}

/// The Markdown of an HTML description; `None` for one that is not HTML.
fn to_markdown(text: &str, site: Option<&str>) -> Option<String> {
    // Most descriptions have no `<` at all: one scan instead of one per tag.
    if !text.contains('<') || !HTML_TAGS.iter().any(|tag| text.contains(tag)) {
        return None;
    }
    let markdown = htmd::convert(text).ok()?;
    let markdown = match site {
        Some(site) => markdown.replace("](/", &format!("]({site}/")),
        None => markdown,
    };
    Some(markdown.trim().to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_becomes_markdown_with_site_links() {
        let html = r#"<p>Search for charges you’ve previously created using Stripe’s <a href="/docs/search#search-query-language">Search Query Language</a>.</p>"#;
        assert_eq!(
            to_markdown(html, Some("https://stripe.com")).as_deref(),
            Some("Search for charges you’ve previously created using Stripe’s [Search Query Language](https://stripe.com/docs/search#search-query-language).")
        );
        assert_eq!(to_markdown("Markdown with a `Vec<T>`.", None), None);
        assert_eq!(
            site_of("https://api.stripe.com/").as_deref(),
            Some("https://stripe.com")
        );
        assert_eq!(
            site_of("https://example.com/v1").as_deref(),
            Some("https://example.com")
        );
    }
}
