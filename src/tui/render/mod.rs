//! Drawing: one function per pane, each reading its state. Only the rows in
//! the tree's viewport are built, whatever the number of children.

use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};
use ratatui::Frame;
use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

use crate::domain::text::escape;

use super::keymap::{Cmd, Scope};
use super::layout::{list_offset, Areas, MIN_H, MIN_W};
use super::model::{changes, offered, Focus, Tab, Tone};
use super::theme::Theme;
use super::ui::Ui;

mod overlays;
mod tree;

pub use overlays::draw_layer;

/// Cuts a string to at most `w` display columns (wide characters count two).
pub fn fit(s: &str, w: usize) -> String {
    if s.width() <= w {
        return s.to_string();
    }
    let mut out = String::new();
    let mut used = 0;
    for c in s.chars() {
        let cw = c.width().unwrap_or(0);
        if used + cw + 1 > w {
            break;
        }
        out.push(c);
        used += cw;
    }
    if w > 0 {
        out.push('…');
    }
    out
}

/// A message cut to `room` columns that keeps its rule numbers: the
/// middle gives way, "(R23)" stays in view.
pub fn fit_keeping_rule(msg: &str, room: usize) -> String {
    if msg.width() <= room {
        return msg.to_string();
    }
    let cite = match msg.rfind("(R") {
        Some(i) => match msg[i..].find(')') {
            Some(j) => &msg[i..=i + j],
            None => "",
        },
        None => "",
    };
    if cite.is_empty() || cite.width() + 2 > room {
        return fit(msg, room);
    }
    let head = fit(msg, room - cite.width() - 1);
    format!("{head} {cite}")
}

pub(super) struct Glyphs {
    pub open: &'static str,
    pub closed: &'static str,
    pub leaf: &'static str,
    pub folder: &'static str,
    pub app: &'static str,
    pub dashboard: &'static str,
    pub chart: &'static str,
    pub dataset: &'static str,
    pub space: &'static str,
    pub sel: &'static str,
}

impl Glyphs {
    /// What the screen's words and signs mean: the model, not the keys
    /// (help shows it after the focused pane's keys).
    pub fn legend(&self, ascii: bool) -> Vec<String> {
        let (ok, no) = if ascii { ("+", "x") } else { ("✓", "✗") };
        vec![
            format!(
                "  {}{}space  {}folder  {}app  {}dashboard  {}chart  {}dataset",
                self.closed, self.space, self.folder, self.app, self.dashboard, self.chart, self.dataset
            ),
            format!(
                "  {}closed  {}open  {} selected row  ~ cut, waiting to be moved",
                self.closed, self.open, self.sel
            ),
            "  The word at the right of a row is your level there:".into(),
            "    viewer   views and copies apps (R22)".into(),
            "    editor   also creates, edits, renames and deletes".into(),
            "    manager  also moves and shares (R23, R27)".into(),
            "    tenant   a tenant's user: views the apps granted, nothing else (R26)".into(),
            "    admin    holds all three workspace roles: every Team Space action (R7, R21)".into(),
            "    owner    your own My Creations: every action; nobody else sees in (R14, R15)".into(),
            "    member   a workspace member: sees the Team Space root (R11)".into(),
            "    path only  seen only as the way to an item below it: no action (R11)".into(),
            "  Levels come from grants on the item or a folder above it, the highest wins (R10).".into(),
            format!("  {ok} open to you here   {no} refused, with the rule's reason (Info tab, palette)"),
            "  R-numbers name the rule of the specification that decides; ! shows a refusal whole.".into(),
        ]
    }
}

pub(super) const UNICODE: Glyphs = Glyphs {
    open: "▾ ",
    closed: "▸ ",
    leaf: "  ",
    folder: "■ ",
    app: "◆ ",
    dashboard: "▦ ",
    chart: "◔ ",
    dataset: "≡ ",
    space: "◎ ",
    sel: "›",
};
/// `--ascii`: every glyph distinct (`>` marks only the selection).
pub(super) const ASCII: Glyphs = Glyphs {
    open: "- ",
    closed: "+ ",
    leaf: "  ",
    folder: "/ ",
    app: "* ",
    dashboard: "# ",
    chart: "% ",
    dataset: "= ",
    space: "@ ",
    sel: ">",
};

pub(super) fn block<'a>(title: String, focused: bool, t: &Theme, ascii: bool) -> Block<'a> {
    let b = Block::default()
        .borders(Borders::ALL)
        .border_style(t.border(focused))
        .title(Span::styled(
            title,
            t.fg(t.title).add_modifier(if focused {
                Modifier::BOLD
            } else {
                Modifier::empty()
            }),
        ));
    if ascii {
        b.border_set(ratatui::symbols::border::Set {
            top_left: "+",
            top_right: "+",
            bottom_left: "+",
            bottom_right: "+",
            vertical_left: "|",
            vertical_right: "|",
            horizontal_top: "-",
            horizontal_bottom: "-",
        })
    } else {
        b
    }
}

/// Draws the whole screen: the panes where the layout puts them, then the
/// layers from the bottom up.
pub fn draw(f: &mut Frame, ui: &mut Ui) {
    let area = f.area();
    ui.areas = Areas::compute(area, ui.focus, ui.workspaces.items.len());
    if ui.areas.too_small {
        return draw_too_small(f, area);
    }
    let a = ui.areas;
    if a.workspaces.width > 0 {
        draw_workspaces(f, ui, a.workspaces);
        draw_spaces(f, ui, a.spaces);
    }
    if a.tree.width > 0 {
        tree::draw_tree(f, ui, a.tree);
    }
    if a.detail.width > 0 {
        draw_detail(f, ui, a.detail);
    }
    draw_status(f, ui, a.status);
    // The layers borrow the theme and the key table beside themselves (no copy per frame).
    let beside = overlays::Beside {
        theme: &ui.theme,
        keys: &ui.keys,
        messages: &ui.messages,
        ascii: ui.ascii,
    };
    for l in ui.layers.iter_mut() {
        draw_layer(f, l, &beside, area);
    }
    if ui.ascii {
        to_ascii(f.buffer_mut());
    }
}

/// `--ascii`: the frame made entirely ASCII, whatever drew it (borders,
/// marks, arrows, the cut-off mark; a name's other letters become `?`).
fn to_ascii(buf: &mut ratatui::buffer::Buffer) {
    let area = buf.area;
    for y in area.y..area.y + area.height {
        let mut wide_tail = false;
        for x in area.x..area.x + area.width {
            let cell = &mut buf[(x, y)];
            let sym = cell.symbol();
            if wide_tail {
                // The column a wide character took: a space now.
                wide_tail = false;
                cell.set_symbol(" ");
                continue;
            }
            if sym.is_ascii() {
                continue;
            }
            wide_tail = sym.width() > 1;
            let c = sym.chars().next().unwrap_or(' ');
            cell.set_symbol(ascii_of(c));
        }
    }
}

fn ascii_of(c: char) -> &'static str {
    match c {
        '─' | '━' | '╌' => "-",
        '│' | '┃' | '▏' => "|",
        '┌' | '┐' | '└' | '┘' | '├' | '┤' | '┬' | '┴' | '┼' => "+",
        '›' | '→' => ">",
        '←' => "<",
        '↑' => "^",
        '↓' => "v",
        '✓' => "+",
        '✗' | '×' => "x",
        '…' => "~",
        '▾' => "-",
        '▸' => "+",
        '■' => "/",
        '◆' => "*",
        '▦' => "#",
        '◔' => "%",
        '≡' => "=",
        '◎' => "@",
        _ => "?",
    }
}

fn draw_too_small(f: &mut Frame, area: Rect) {
    let msg = vec![
        Line::from("terminal too small"),
        Line::from(format!(
            "{}×{}: treeward needs {MIN_W}×{MIN_H}",
            area.width, area.height
        )),
        Line::from("q quits"),
    ];
    let y = area.height.saturating_sub(3) / 2;
    let r = Rect {
        x: area.x,
        y: area.y + y,
        width: area.width,
        height: area.height.min(3),
    };
    f.render_widget(
        Paragraph::new(msg).alignment(ratatui::layout::Alignment::Center),
        r,
    );
}

fn list_lines<'a>(
    items: Vec<String>,
    sel: usize,
    focused: bool,
    area: Rect,
    t: &Theme,
    g: &Glyphs,
) -> Vec<Line<'a>> {
    let width = area.width as usize;
    let off = list_offset(sel, items.len(), area.height as usize);
    items
        .into_iter()
        .enumerate()
        .skip(off)
        .take(area.height as usize)
        .map(|(i, s)| {
            let mark = if i == sel { g.sel } else { " " };
            let text = fit(&format!("{mark}{s}"), width);
            let pad = width.saturating_sub(text.width());
            let style = if i == sel && focused {
                t.selected()
            } else if i == sel {
                Style::default().add_modifier(Modifier::BOLD)
            } else {
                Style::default()
            };
            Line::from(Span::styled(format!("{text}{}", " ".repeat(pad)), style))
        })
        .collect()
}

fn draw_workspaces(f: &mut Frame, ui: &mut Ui, r: Rect) {
    let g = if ui.ascii { &ASCII } else { &UNICODE };
    let focused = ui.focus == Focus::Workspaces;
    let b = block(" Workspaces ".into(), focused, &ui.theme, ui.ascii);
    let inner = b.inner(r);
    let names = ui
        .workspaces
        .items
        .iter()
        .map(|w| escape(&w.name))
        .collect();
    let lines = list_lines(names, ui.workspaces.sel, focused, inner, &ui.theme, g);
    f.render_widget(Paragraph::new(lines).block(b), r);
}

fn draw_spaces(f: &mut Frame, ui: &mut Ui, r: Rect) {
    let g = if ui.ascii { &ASCII } else { &UNICODE };
    let focused = ui.focus == Focus::Spaces;
    let b = block(" Spaces ".into(), focused, &ui.theme, ui.ascii);
    let inner = b.inner(r);
    let names = ui.spaces.items.iter().map(|s| s.label()).collect();
    let lines = list_lines(names, ui.spaces.sel, focused, inner, &ui.theme, g);
    f.render_widget(Paragraph::new(lines).block(b), r);
}

fn draw_detail(f: &mut Frame, ui: &mut Ui, r: Rect) {
    let t = ui.theme.clone();
    let focused = ui.focus == Focus::Detail;
    // The title names what the pane is about.
    let about = match ui.shown_tab() {
        Tab::Workspace => ui.current_ws().map(|w| escape(&w.name)),
        _ => ui.tree.selected_node().map(|n| escape(&n.data.name)),
    };
    let title = format!(" {} ", about.unwrap_or_else(|| "Detail".into()));
    let b = block(title, focused, &t, ui.ascii);
    let inner = b.inner(r);
    f.render_widget(b, r);
    if inner.height < 2 {
        return;
    }
    let tabs_r = Rect { height: 1, ..inner };
    let bar = if ui.ascii { "|" } else { "│" };
    let mut spans = Vec::new();
    let short = Tab::short_titles(tabs_r.width);
    for tab in Tab::ALL {
        let style = if tab == ui.shown_tab() {
            t.selected().add_modifier(Modifier::BOLD)
        } else {
            t.dimmed()
        };
        spans.push(Span::styled(format!(" {} ", tab.title(short)), style));
        spans.push(Span::styled(bar, t.dimmed()));
    }
    f.render_widget(Paragraph::new(Line::from(spans)), tabs_r);
    let body = Rect {
        y: inner.y + 1,
        height: inner.height - 1,
        ..inner
    };
    let width = body.width as usize;
    let mut lines: Vec<Line> = Vec::new();
    for l in &ui.detail.lines {
        let style = tone_style(&t, l.tone);
        for part in wrap_hanging(&l.text, width) {
            lines.push(Line::from(Span::styled(part, style)));
        }
    }
    let max_scroll = lines.len().saturating_sub(body.height as usize);
    if ui.detail.scroll as usize > max_scroll {
        ui.detail.scroll = max_scroll as u16;
    }
    let shown: Vec<Line> = lines
        .into_iter()
        .skip(ui.detail.scroll as usize)
        .take(body.height as usize)
        .collect();
    f.render_widget(Paragraph::new(shown), body);
}

pub(super) fn tone_style(t: &Theme, tone: Tone) -> Style {
    match tone {
        Tone::Normal => Style::default(),
        Tone::Heading => t.fg(t.title).add_modifier(Modifier::BOLD),
        Tone::Dim => t.dimmed(),
        Tone::Ok => t.fg(t.ok),
        Tone::Bad => t.fg(t.error),
    }
}

/// Wraps a line to `width` columns at spaces, continuing under the value of a
/// `label   value` line (or two columns in), by display width.
pub fn wrap_hanging(text: &str, width: usize) -> Vec<String> {
    if width == 0 {
        return vec![];
    }
    if text.width() <= width {
        return vec![text.to_string()];
    }
    let lead = text.len() - text.trim_start().len();
    let indent = text[lead..]
        .find("  ")
        .map(|i| {
            let after = &text[lead + i..];
            lead + i + (after.len() - after.trim_start().len())
        })
        .map(|b| text[..b].width())
        .unwrap_or(lead + 2);
    let indent = if indent * 2 > width {
        2.min(width.saturating_sub(1))
    } else {
        indent
    };
    let mut out: Vec<String> = Vec::new();
    let mut cur = String::new();
    let mut cur_w = 0;
    let room = |first: bool| if first { width } else { width - indent };
    for word in text.split_inclusive([' ', '/']) {
        let ww = word.trim_end().width();
        if cur_w + ww > room(out.is_empty()) && !cur.trim().is_empty() {
            out.push(std::mem::take(&mut cur).trim_end().to_string());
            cur_w = 0;
        }
        if ww > room(out.is_empty()).saturating_sub(cur_w) {
            // A word longer than the line: cut it by characters.
            for c in word.chars() {
                let cw = c.width().unwrap_or(0);
                if cur_w + cw > room(out.is_empty()) {
                    out.push(std::mem::take(&mut cur));
                    cur_w = 0;
                }
                cur.push(c);
                cur_w += cw;
            }
        } else {
            cur.push_str(word);
            cur_w += word.width();
        }
    }
    if !cur.trim().is_empty() {
        out.push(cur.trim_end().to_string());
    }
    let pad = " ".repeat(indent);
    out.into_iter()
        .enumerate()
        .map(|(i, l)| {
            if i == 0 {
                l
            } else {
                format!("{pad}{}", l.trim_start())
            }
        })
        .collect()
}

fn draw_status(f: &mut Frame, ui: &mut Ui, r: Rect) {
    let t = &ui.theme;
    let w = r.width as usize;
    let mut who = format!(" {} ", escape(&ui.login));
    if let Some(i) = &ui.inspect {
        who.push_str(&format!("› inspecting {} ", escape(&i.login)));
    }
    let (msg, err, more) = ui
        .messages
        .current()
        .map(|m| (m.text.as_str(), m.error, !m.more.is_empty()))
        .unwrap_or_default();
    let msg = format!(" {}", crate::domain::text::one_line(msg));
    let room = w.saturating_sub(who.width());
    // One line, always: the key bar stays. A message cut short, or one with
    // more to say, points at the history, where it is whole.
    let history = ui.keys.key_label(Scope::Global, Cmd::Messages);
    let (msg, more_style) = if msg.width() > room || more {
        let tail = format!("  {history} more");
        (
            fit_keeping_rule(&msg, room.saturating_sub(tail.width())),
            Some(tail),
        )
    } else {
        (msg, None)
    };
    let who_style = if ui.inspect.is_some() {
        if t.mono {
            Style::default().add_modifier(Modifier::BOLD | Modifier::REVERSED)
        } else {
            Style::default().fg(t.status_fg).bg(t.inspect)
        }
    } else {
        t.status()
    };
    let msg_style = if err {
        t.fg(t.error).add_modifier(Modifier::BOLD)
    } else {
        Style::default()
    };
    let mut line1 = vec![
        Span::styled(who.clone(), who_style),
        Span::styled(msg, msg_style),
    ];
    if let Some(tail) = more_style {
        line1.push(Span::styled(tail, t.fg(t.dim)));
    }
    let line1 = Line::from(line1);
    // The hints of the top layer, else of the focused pane.
    let scope = ui.layers.last().map_or(ui.focus.scope(), |l| l.scope());
    let mut hints = String::new();
    let row = ui.tree.selected_node().map(|n| &n.data.kind);
    for (k, cmd) in ui.keys.hint_cmds(scope) {
        // The tree's hints follow the selected row.
        if scope == Scope::Tree && row.is_some_and(|kind| !offered(cmd, kind)) {
            continue;
        }
        if ui.inspect.is_some() && changes(cmd) {
            continue;
        }
        hints.push_str(&format!(" {k} {} ", cmd.name()));
    }
    if scope == Scope::Tree && (ui.inspect.is_some() || ui.filter.is_some()) {
        let what = if ui.filter.is_some() {
            "unfilter"
        } else {
            "end-inspect"
        };
        hints.push_str(&format!(" Esc {what}"));
    }
    let hints = fit(&hints, w);
    let line2 = Line::from(Span::styled(
        format!("{hints}{}", " ".repeat(w.saturating_sub(hints.width()))),
        t.status(),
    ));
    f.render_widget(Paragraph::new(vec![line1, line2]), r);
}

#[cfg(test)]
mod fit_tests {
    use super::*;

    #[test]
    fn a_long_message_keeps_its_rule_number() {
        let m = "You can't move OEE: you are editor through group:qa on /Plant; moving needs manager or admin (R23). Ask alice";
        let s = fit_keeping_rule(m, 50);
        assert!(
            s.ends_with(" (R23)") && s.starts_with("You can't move OEE"),
            "{s}"
        );
        assert!(s.width() <= 50);
    }
}
