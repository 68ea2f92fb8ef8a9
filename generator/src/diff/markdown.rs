//! The report as Markdown, for a pull request comment.

use std::collections::BTreeMap;

use super::{Change, Impact, Report};

/// The report as Markdown for a pull request comment: counts first, then each change.
pub fn markdown(report: &Report) -> String {
    let c = &report.counts;
    let mut out = format!(
        "## API changes\n\n`{}` → `{}`\n\n| | added | removed | changed |\n| --- | ---: | ---: | ---: |\n| paths | {} | {} | |\n| operations | {} | {} | {} |\n| schemas | {} | {} | {} of {} |\n\n",
        report.old, report.new, c.paths_added, c.paths_removed, c.operations_added, c.operations_removed, c.operations_changed, c.schemas_added, c.schemas_removed, c.schemas_changed, c.schemas_shared
    );
    out.push_str(&format!(
        "**{} of {} changes break HTTP clients; {} break Rust code using the generated crate.**\n",
        c.wire_breaking,
        report.changes.len(),
        c.rust_breaking
    ));
    let mut by_subject: BTreeMap<&str, Vec<&Change>> = BTreeMap::new();
    for change in &report.changes {
        by_subject.entry(&change.subject).or_default().push(change);
    }
    for (subject, changes) in by_subject {
        out.push_str(&format!(
            "\n### {subject}\n\n| change | wire | Rust |\n| --- | --- | --- |\n"
        ));
        for change in changes {
            out.push_str(&format!(
                "| {} | {} | {} |\n",
                cell(&change.change),
                cell(&verdict(
                    change.wire,
                    "breaking",
                    "compatible",
                    &change.wire_reason
                )),
                cell(&verdict(
                    change.rust,
                    "breaks",
                    "compiles",
                    &change.rust_reason
                )),
            ));
        }
    }
    out
}

fn verdict(impact: Impact, bad: &str, good: &str, reason: &str) -> String {
    match impact {
        Impact::Breaking => format!("**{bad}**: {reason}"),
        Impact::Compatible => format!("{good}: {reason}"),
    }
}

fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}
