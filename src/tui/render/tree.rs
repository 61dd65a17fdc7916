//! The tree pane: only the rows in the viewport are built, whatever the
//! number of children; a filtered tree marks the matched letters.

use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;
use unicode_width::UnicodeWidthStr;

use crate::domain::text::escape;
use crate::domain::AssetKind;

use super::super::filter::MAX_MATCHES;
use super::super::layers::Layer;
use super::super::model::{Focus, SpaceChoice};
use super::super::tree::NodeKind;
use super::super::ui::Ui;
use super::{block, fit, ASCII, UNICODE};

pub(super) fn draw_tree(f: &mut Frame, ui: &mut Ui, r: Rect) {
    let t = ui.theme.clone();
    let focused = ui.focus == Focus::Tree;
    let b = block(title(ui), focused, &t, ui.ascii);
    let inner = b.inner(r);
    f.render_widget(b, r);
    ui.tree.set_height(inner.height as usize);
    let mut lines = Vec::with_capacity(inner.height as usize);
    if ui.tree.rows.is_empty() {
        lines.push(Line::from(Span::styled(empty_note(ui), t.dimmed())));
    }
    let end = (ui.tree.offset + inner.height as usize).min(ui.tree.rows.len());
    for row in ui.tree.offset..end {
        lines.push(row_line(ui, row, focused, inner.width as usize));
    }
    f.render_widget(Paragraph::new(lines), inner);
}

/// The pane's title: where, as whom, and the filter.
fn title(ui: &Ui) -> String {
    let space = ui
        .spaces
        .current()
        .map(|s| s.label())
        .unwrap_or_else(|| "no space".into());
    let ws = ui.current_ws().map(|w| escape(&w.name)).unwrap_or_default();
    let mut title = format!(" {ws} › {space} ");
    if let Some(i) = &ui.inspect {
        title.push_str(&format!("as {} ", escape(&i.login)));
    }
    if let Some(fl) = &ui.filter {
        let typing = ui.layers.iter().any(|l| matches!(l, Layer::Filter(_)));
        let cursor = if typing { "▏" } else { "" };
        let count = match (&fl.index, fl.query.trim().is_empty()) {
            (None, _) => " (gathering names…)".to_string(),
            (_, true) => String::new(),
            (_, false) if fl.shown >= MAX_MATCHES => format!(" ({MAX_MATCHES}+ matches, the best)"),
            (_, false) => format!(" ({} matches)", fl.shown),
        };
        title.push_str(&format!("filter: {}{cursor}{count} ", escape(&fl.query)));
    }
    title
}

fn empty_note(ui: &Ui) -> String {
    if let Some(SpaceChoice::Private(what)) = ui.spaces.current() {
        return format!(
            "{}: private (R14). Inspecting never shows more than you may see yourself.",
            escape(what)
        );
    }
    empty_note_of(ui).into()
}

fn empty_note_of(ui: &Ui) -> &'static str {
    if ui
        .filter
        .as_ref()
        .is_some_and(|f| !f.query.trim().is_empty())
    {
        return "No name matches the filter (Esc shows the whole tree).";
    }
    match ui.spaces.current() {
        Some(SpaceChoice::Shared(_)) => "Nothing is shared with you from another My Creations.",
        Some(_) => "This space is empty. n: new folder, a: new app.",
        None => "No space to show.",
    }
}

/// One row of the tree: indent, open/closed, glyph, name (matched letters
/// marked), and the viewer's level at the right.
fn row_line<'a>(ui: &Ui, row: usize, focused: bool, width: usize) -> Line<'a> {
    let t = &ui.theme;
    let g = if ui.ascii { &ASCII } else { &UNICODE };
    let ni = ui.tree.rows[row];
    let n = &ui.tree.nodes[ni];
    let selected = row == ui.tree.sel;
    let exp = if !n.expandable() {
        g.leaf
    } else if n.expanded {
        g.open
    } else {
        g.closed
    };
    let (glyph, color) = match &n.data.kind {
        NodeKind::Space(_) => (g.space, t.space),
        NodeKind::Folder => (g.folder, t.folder),
        NodeKind::App => (g.app, t.app),
        NodeKind::Asset(AssetKind::Dashboard) => (g.dashboard, t.asset),
        NodeKind::Asset(AssetKind::Chart) => (g.chart, t.asset),
        NodeKind::Asset(AssetKind::Dataset) => (g.dataset, t.asset),
        NodeKind::More => ("  ", t.dim),
    };
    let loading =
        n.data.kind == NodeKind::More && n.parent.is_some_and(|p| ui.jobs.pages.contains_key(&p));
    let level = if loading { "loading…" } else { n.data.level };
    let lead = format!("{}{exp}", "  ".repeat(n.depth as usize));
    let room = width.saturating_sub(lead.width() + glyph.width() + level.width() + 1);
    let name = fit(&escape(&n.data.name), room);
    let pad = width.saturating_sub(lead.width() + glyph.width() + name.width() + level.width());
    let base = if selected && focused {
        t.selected()
    } else if selected {
        Style::default().add_modifier(Modifier::REVERSED)
    } else if n.data.path_only {
        t.dimmed()
    } else {
        Style::default()
    };
    let glyph_style = match (selected, n.data.path_only) {
        (true, _) => base,
        (false, true) => t.dimmed(),
        (false, false) => t.fg(color),
    };
    let level_style = if selected { base } else { t.dimmed() };
    let mut spans = vec![Span::styled(lead, base), Span::styled(glyph, glyph_style)];
    let marked = base.add_modifier(Modifier::BOLD | Modifier::UNDERLINED);
    spans.extend(marked_name(name, ui.tree.marks.get(&ni), base, marked));
    spans.push(Span::styled(" ".repeat(pad), base));
    spans.push(Span::styled(level, level_style));
    Line::from(spans)
}

/// A name with its matched letters (by character position) in `marked`.
fn marked_name<'a>(
    name: String,
    marks: Option<&Vec<u32>>,
    base: Style,
    marked: Style,
) -> Vec<Span<'a>> {
    let Some(marks) = marks.filter(|m| !m.is_empty()) else {
        return vec![Span::styled(name, base)];
    };
    let mut out: Vec<Span> = Vec::new();
    let mut run = String::new();
    let mut run_marked = false;
    for (i, c) in name.chars().enumerate() {
        let m = marks.binary_search(&(i as u32)).is_ok();
        if m != run_marked && !run.is_empty() {
            out.push(Span::styled(
                std::mem::take(&mut run),
                if run_marked { marked } else { base },
            ));
        }
        run_marked = m;
        run.push(c);
    }
    out.push(Span::styled(run, if run_marked { marked } else { base }));
    out
}
