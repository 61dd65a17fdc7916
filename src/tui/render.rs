//! Drawing: one function per pane, each reading its state. Only the rows in
//! the tree's viewport are built, whatever the number of children.

use ratatui::layout::{Constraint, Direction, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};
use ratatui::Frame;
use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

use crate::domain::text::escape;
use crate::domain::AssetKind;

use super::dialog::{Body, Dialog};
use super::keys::Scope;
use super::theme::Theme;
use super::tree::NodeKind;
use super::ui::{Focus, SpaceChoice, Tab, Tone, Ui};

pub const MIN_W: u16 = 40;
pub const MIN_H: u16 = 12;

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

struct Glyphs {
    open: &'static str,
    closed: &'static str,
    leaf: &'static str,
    folder: &'static str,
    app: &'static str,
    dashboard: &'static str,
    chart: &'static str,
    dataset: &'static str,
    space: &'static str,
    sel: &'static str,
}

const UNICODE: Glyphs = Glyphs {
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
const ASCII: Glyphs = Glyphs {
    open: "v ",
    closed: "> ",
    leaf: "  ",
    folder: "+ ",
    app: "* ",
    dashboard: "# ",
    chart: "% ",
    dataset: "= ",
    space: "@ ",
    sel: ">",
};

fn block<'a>(title: String, focused: bool, t: &Theme, ascii: bool) -> Block<'a> {
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

/// Draws the whole screen.
pub fn draw(f: &mut Frame, ui: &mut Ui) {
    let area = f.area();
    if area.width < MIN_W || area.height < MIN_H {
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
        ui.areas = Default::default();
        return;
    }
    let rows = Layout::default()
        .direction(Direction::Vertical)
        .constraints([Constraint::Min(1), Constraint::Length(2)])
        .split(area);
    let main = rows[0];
    let (left, tree, detail) = split_main(main, ui.focus);
    ui.areas = Default::default();
    if let Some(l) = left {
        let n = ui.workspaces.len() as u16 + 2;
        let wsh = n.min(l.height / 2).max(3);
        let parts = Layout::default()
            .direction(Direction::Vertical)
            .constraints([Constraint::Length(wsh), Constraint::Min(3)])
            .split(l);
        draw_workspaces(f, ui, parts[0]);
        draw_spaces(f, ui, parts[1]);
    }
    if let Some(t) = tree {
        draw_tree(f, ui, t);
    }
    if let Some(d) = detail {
        draw_detail(f, ui, d);
    }
    draw_status(f, ui, rows[1]);
    if ui.help {
        draw_help(f, ui, area);
    } else if ui.who.is_some() {
        draw_who(f, ui, area);
    } else if let Some(d) = ui.dialog.as_mut() {
        let theme = ui.theme.clone();
        draw_dialog(f, d, &theme, area);
    }
}

/// The main area: three columns when wide, fewer when narrow (the focused pane wins).
fn split_main(main: Rect, focus: Focus) -> (Option<Rect>, Option<Rect>, Option<Rect>) {
    let w = main.width;
    if w >= 100 {
        let left = (w / 6).clamp(22, 30);
        let detail = ((w - left) as u32 * 50 / 100) as u16;
        let c = Layout::default()
            .direction(Direction::Horizontal)
            .constraints([
                Constraint::Length(left),
                Constraint::Min(20),
                Constraint::Length(detail),
            ])
            .split(main);
        (Some(c[0]), Some(c[1]), Some(c[2]))
    } else if w >= 64 {
        let left = (w / 4).clamp(18, 24);
        let c = Layout::default()
            .direction(Direction::Horizontal)
            .constraints([Constraint::Length(left), Constraint::Min(20)])
            .split(main);
        if focus == Focus::Detail {
            (Some(c[0]), None, Some(c[1]))
        } else {
            (Some(c[0]), Some(c[1]), None)
        }
    } else {
        match focus {
            Focus::Workspaces | Focus::Spaces => (Some(main), None, None),
            Focus::Tree => (None, Some(main), None),
            Focus::Detail => (None, None, Some(main)),
        }
    }
}

/// The first row shown of a list of `len` rows in `height` rows with `sel` in view.
pub fn list_offset(sel: usize, len: usize, height: usize) -> usize {
    let h = height.max(1);
    sel.saturating_sub(h - 1).min(len.saturating_sub(h))
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
    ui.areas.workspaces = r;
    let g = if ui.ascii { &ASCII } else { &UNICODE };
    let focused = ui.focus == Focus::Workspaces;
    let b = block(" Workspaces ".into(), focused, &ui.theme, ui.ascii);
    let inner = b.inner(r);
    let names = ui.workspaces.iter().map(|w| escape(&w.name)).collect();
    let lines = list_lines(names, ui.ws_sel, focused, inner, &ui.theme, g);
    f.render_widget(Paragraph::new(lines).block(b), r);
}

fn draw_spaces(f: &mut Frame, ui: &mut Ui, r: Rect) {
    ui.areas.spaces = r;
    let g = if ui.ascii { &ASCII } else { &UNICODE };
    let focused = ui.focus == Focus::Spaces;
    let b = block(" Spaces ".into(), focused, &ui.theme, ui.ascii);
    let inner = b.inner(r);
    let names = ui.spaces.iter().map(|s| s.label()).collect();
    let lines = list_lines(names, ui.space_sel, focused, inner, &ui.theme, g);
    f.render_widget(Paragraph::new(lines).block(b), r);
}

fn draw_tree(f: &mut Frame, ui: &mut Ui, r: Rect) {
    ui.areas.tree = r;
    let t = ui.theme.clone();
    let g = if ui.ascii { &ASCII } else { &UNICODE };
    let focused = ui.focus == Focus::Tree;
    let space = ui
        .spaces
        .get(ui.space_sel)
        .map(|s| s.label())
        .unwrap_or_else(|| "no space".into());
    let ws = ui.current_ws().map(|w| escape(&w.name)).unwrap_or_default();
    let mut title = format!(" {ws} › {space} ");
    if let Some(i) = &ui.inspect {
        title.push_str(&format!("as {} ", escape(&i.login)));
    }
    let b = block(title, focused, &t, ui.ascii);
    let inner = b.inner(r);
    f.render_widget(b, r);
    ui.tree.set_height(inner.height as usize);
    let width = inner.width as usize;
    let mut lines = Vec::with_capacity(inner.height as usize);
    if ui.tree.rows.is_empty() {
        let msg = match ui.spaces.get(ui.space_sel) {
            Some(SpaceChoice::Shared(_)) => "Nothing is shared with you from another My Creations.",
            Some(_) => "This space is empty. n: new folder, a: new app.",
            None => "No space to show.",
        };
        lines.push(Line::from(Span::styled(msg, t.dimmed())));
    }
    let end = (ui.tree.offset + inner.height as usize).min(ui.tree.rows.len());
    for (row, &ni) in ui.tree.rows[ui.tree.offset..end].iter().enumerate() {
        let n = &ui.tree.nodes[ni];
        let selected = ui.tree.offset + row == ui.tree.sel;
        let indent = "  ".repeat(n.depth as usize);
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
        let level = if n.data.path_only && n.data.level == "path only" {
            "path only".to_string()
        } else {
            n.data.level.clone()
        };
        let lead = format!("{indent}{exp}");
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
        let glyph_style = if selected {
            base
        } else if n.data.path_only {
            t.dimmed()
        } else {
            t.fg(color)
        };
        let level_style = if selected { base } else { t.dimmed() };
        lines.push(Line::from(vec![
            Span::styled(lead, base),
            Span::styled(glyph, glyph_style),
            Span::styled(name, base),
            Span::styled(" ".repeat(pad), base),
            Span::styled(level, level_style),
        ]));
    }
    f.render_widget(Paragraph::new(lines), inner);
}

fn draw_detail(f: &mut Frame, ui: &mut Ui, r: Rect) {
    ui.areas.detail = r;
    let t = ui.theme.clone();
    let focused = ui.focus == Focus::Detail;
    let b = block(" Detail ".into(), focused, &t, ui.ascii);
    let inner = b.inner(r);
    f.render_widget(b, r);
    if inner.height < 2 {
        return;
    }
    let tabs_r = Rect { height: 1, ..inner };
    ui.areas.tabs = tabs_r;
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
    for l in &ui.detail_lines {
        let style = tone_style(&t, l.tone);
        for part in wrap_hanging(&l.text, width) {
            lines.push(Line::from(Span::styled(part, style)));
        }
    }
    let max_scroll = lines.len().saturating_sub(body.height as usize);
    if ui.detail_scroll as usize > max_scroll {
        ui.detail_scroll = max_scroll as u16;
    }
    let shown: Vec<Line> = lines
        .into_iter()
        .skip(ui.detail_scroll as usize)
        .take(body.height as usize)
        .collect();
    f.render_widget(Paragraph::new(shown), body);
}

fn tone_style(t: &Theme, tone: Tone) -> Style {
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
    let (msg, err) = ui.message.clone().unwrap_or_default();
    let msg = format!(" {}", crate::domain::text::one_line(&msg));
    let room = w.saturating_sub(who.width());
    // A message too long for one line (a refusal with its rule) takes the hint line too.
    let (msg, overflow) = if msg.width() > room {
        let first = wrap_hanging(&msg, room)
            .into_iter()
            .next()
            .unwrap_or_default();
        let rest = msg[first.len().min(msg.len())..].trim_start().to_string();
        (first, Some(fit(&format!(" {rest}"), w)))
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
    let line1 = Line::from(vec![
        Span::styled(who.clone(), who_style),
        Span::styled(msg, msg_style),
    ]);
    let scope = if ui.dialog.is_some() {
        None
    } else {
        Some(ui.focus.scope())
    };
    let hints = match scope {
        None => " Enter ok  Esc cancel  ↑/↓ choose  type to filter".to_string(),
        Some(s) => {
            let mut h = String::new();
            for (k, name) in ui.keys.hints(s) {
                h.push_str(&format!(" {k} {name} "));
            }
            if s == Scope::Tree && ui.inspect.is_some() {
                h.push_str(" Esc end-inspect");
            }
            h
        }
    };
    let hints = fit(&hints, w);
    let line2 = match overflow {
        Some(rest) => Line::from(Span::styled(rest, msg_style)),
        None => Line::from(Span::styled(
            format!("{hints}{}", " ".repeat(w.saturating_sub(hints.width()))),
            t.status(),
        )),
    };
    f.render_widget(Paragraph::new(vec![line1, line2]), r);
}

fn centered(area: Rect, w: u16, h: u16) -> Rect {
    let w = w.min(area.width);
    let h = h.min(area.height);
    Rect {
        x: area.x + (area.width - w) / 2,
        y: area.y + (area.height - h) / 2,
        width: w,
        height: h,
    }
}

fn draw_help(f: &mut Frame, ui: &mut Ui, area: Rect) {
    let t = ui.theme.clone();
    let scope = ui.focus.scope();
    let rows = ui.keys.help_rows(scope);
    let mut lines = Vec::new();
    let mut last = "";
    let r = centered(
        area,
        64.min(area.width),
        (rows.len() as u16 + 6).min(area.height),
    );
    let b = block(format!(" Keys: {} ", scope.title()), true, &t, ui.ascii);
    let inner = b.inner(r);
    let inner_w = inner.width as usize;
    for (keys, desc, section) in rows {
        if section != last {
            lines.push(Line::from(Span::styled(
                section,
                t.fg(t.title).add_modifier(Modifier::BOLD),
            )));
            last = section;
        }
        lines.push(Line::from(fit(&format!("  {keys:<18} {desc}"), inner_w)));
    }
    let h = inner.height as usize;
    let body_h = h.saturating_sub(1);
    let max = lines.len().saturating_sub(body_h);
    if ui.help_scroll as usize > max {
        ui.help_scroll = max as u16;
    }
    let mut shown: Vec<Line> = lines
        .into_iter()
        .skip(ui.help_scroll as usize)
        .take(body_h)
        .collect();
    let more = if max > 0 {
        "j/k scroll, any other key closes"
    } else {
        "any key closes"
    };
    shown.push(Line::from(Span::styled(fit(more, inner_w), t.dimmed())));
    f.render_widget(Clear, r);
    f.render_widget(Paragraph::new(shown).block(b), r);
}

/// The "Who has access" view: a line per user and per contributing grant, scrollable.
fn draw_who(f: &mut Frame, ui: &mut Ui, area: Rect) {
    let t = ui.theme.clone();
    let Some(v) = ui.who.as_mut() else {
        return;
    };
    // Above the status bar, which stays in view.
    let main = Rect {
        height: area.height.saturating_sub(2),
        ..area
    };
    let r = centered(
        main,
        main.width.saturating_sub(4).clamp(20, 110),
        main.height,
    );
    let b = block(" Who has access ".into(), true, &t, ui.ascii);
    let inner = b.inner(r);
    let iw = inner.width as usize;
    let mut body = Vec::new();
    for (tone, text) in v.lines() {
        for part in wrap_hanging(&text, iw) {
            body.push(Line::from(Span::styled(part, tone_style(&t, tone))));
        }
    }
    // Rows: the path, the count and order, the body, the hint.
    let h = (inner.height as usize).saturating_sub(3);
    v.height = h;
    v.total = body.len();
    let max = body.len().saturating_sub(h);
    v.scroll = v.scroll.min(max);
    let order = if v.by_user { "by user" } else { "by level" };
    let other = if v.by_user { "by level" } else { "by user" };
    let mut lines = vec![
        Line::from(Span::styled(
            fit(&escape(&v.path), iw),
            t.fg(t.title).add_modifier(Modifier::BOLD),
        )),
        Line::from(Span::styled(
            fit(
                &format!("{} user(s) can view it, sorted {order}", v.rows.len()),
                iw,
            ),
            t.dimmed(),
        )),
    ];
    lines.extend(body.into_iter().skip(v.scroll).take(h));
    while lines.len() < inner.height.saturating_sub(1) as usize {
        lines.push(Line::from(""));
    }
    let more = if max > 0 {
        format!(
            "s sort {other}   ↑/↓ PgUp/PgDn scroll ({}/{})   Esc closes",
            v.scroll, max
        )
    } else {
        format!("s sort {other}   Esc closes")
    };
    lines.push(Line::from(Span::styled(fit(&more, iw), t.dimmed())));
    f.render_widget(Clear, r);
    f.render_widget(Paragraph::new(lines).block(b), r);
}

fn draw_dialog(f: &mut Frame, d: &mut Dialog, t: &Theme, area: Rect) {
    let w = 72.min(area.width.saturating_sub(2)).max(20);
    let iw = w.saturating_sub(2) as usize;
    // The what-if of a change that alters access, wrapped to the dialog.
    let mut whatif: Vec<Line> = Vec::new();
    if let Some(v) = &d.whatif {
        for (tone, text) in v.lines() {
            for part in wrap_hanging(&text, iw) {
                whatif.push(Line::from(Span::styled(part, tone_style(t, tone))));
            }
        }
        // A long answer leaves room for the field or a few rows of the list.
        whatif.truncate(
            (area.height as usize)
                .saturating_sub(d.lines.len() + 8)
                .max(2),
        );
    }
    // Rows: the explanation, the what-if, the field or the filter and list, the error, the hint, two borders.
    let fixed = d.lines.len() as u16 + whatif.len() as u16 + u16::from(d.error.is_some()) + 1 + 2;
    let list_rows = match &d.body {
        Body::Pick(p) => {
            (p.filtered.len().max(1) as u16).min(area.height.saturating_sub(fixed + 1).max(1))
        }
        _ => 0,
    };
    let body_rows = match &d.body {
        Body::Input { .. } => 1,
        Body::Confirm => 0,
        Body::Pick(_) => 1 + list_rows,
    };
    let h = fixed + body_rows;
    let r = centered(area, w, h.min(area.height));
    f.render_widget(Clear, r);
    let b = block(format!(" {} ", d.title), true, t, false);
    let inner = b.inner(r);
    f.render_widget(b, r);
    let iw = inner.width as usize;
    let mut lines: Vec<Line> = d.lines.iter().map(|l| Line::from(fit(l, iw))).collect();
    lines.extend(whatif);
    match &mut d.body {
        Body::Input { text, cursor, .. } => {
            let shown = escape(text);
            let before: String = text.chars().take(*cursor).collect();
            let cur_col = escape(&before).width();
            let start = cur_col.saturating_sub(iw.saturating_sub(2));
            let visible: String = {
                let mut acc = String::new();
                let mut col = 0;
                for c in shown.chars() {
                    let cw = c.width().unwrap_or(0);
                    if col >= start {
                        acc.push(c);
                    }
                    col += cw;
                }
                fit(&acc, iw.saturating_sub(1))
            };
            lines.push(Line::from(Span::styled(
                format!(
                    "{visible}{}",
                    " ".repeat(iw.saturating_sub(visible.width()))
                ),
                Style::default().add_modifier(Modifier::UNDERLINED),
            )));
            let y = inner.y + lines.len() as u16 - 1;
            let x = inner.x + (cur_col - start).min(iw.saturating_sub(1)) as u16;
            f.set_cursor_position((x, y));
        }
        Body::Confirm => {}
        Body::Pick(p) => {
            lines.push(Line::from(vec![
                Span::styled("filter: ", t.dimmed()),
                Span::raw(escape(&p.query)),
                Span::styled("▏", t.dimmed()),
            ]));
            d.list_height = list_rows as usize;
            if p.filtered.is_empty() {
                lines.push(Line::from(Span::styled("  no match", t.dimmed())));
            }
            let end = (p.offset + list_rows as usize).min(p.filtered.len());
            for (row, &i) in p.filtered[p.offset..end].iter().enumerate() {
                let it = &p.items[i];
                let sel = p.offset + row == p.sel;
                let label = fit(&it.label, iw.saturating_sub(2));
                let rest = iw.saturating_sub(label.width() + 3);
                let detail = if it.detail.is_empty() || rest < 4 {
                    String::new()
                } else {
                    format!(" {}", fit(&it.detail, rest))
                };
                let pad = iw.saturating_sub(2 + label.width() + detail.width());
                let style = if sel { t.selected() } else { Style::default() };
                lines.push(Line::from(vec![
                    Span::styled(if sel { "› " } else { "  " }, style),
                    Span::styled(label, style),
                    Span::styled(detail, if sel { style } else { t.dimmed() }),
                    Span::styled(" ".repeat(pad), style),
                ]));
            }
        }
    }
    if let Some(e) = &d.error {
        lines.push(Line::from(Span::styled(
            fit(e, iw),
            t.fg(t.error).add_modifier(Modifier::BOLD),
        )));
    }
    let hint = match d.body {
        Body::Confirm => "y yes   n / Esc no",
        Body::Input { .. } => "Enter ok   Esc cancel",
        Body::Pick(_) => "type to filter   ↑/↓ choose   Enter ok   Esc cancel",
    };
    lines.push(Line::from(Span::styled(fit(hint, iw), t.dimmed())));
    f.render_widget(Paragraph::new(lines), inner);
}
