//! The layers drawn over the panes: help, the who view, dialogs, the filter bar.

use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};
use ratatui::Frame;
use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

use crate::domain::text::escape;

use super::super::dialog::{Body, Dialog};
use super::super::keymap::{Cmd, KeyMap, Scope};
use super::super::layers::{HelpView, Layer, MessagesView};
use super::super::messages::Messages;
use super::super::theme::Theme;
use super::super::who::WhoView;
use super::{block, fit, tone_style, wrap_hanging};

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

/// What every layer may read beside itself, borrowed from the UI.
pub struct Beside<'a> {
    pub theme: &'a Theme,
    pub keys: &'a KeyMap,
    pub messages: &'a Messages,
    pub ascii: bool,
}

/// Draws one layer.
pub fn draw_layer(f: &mut Frame, l: &mut Layer, b: &Beside, area: Rect) {
    let (t, keys, ascii) = (b.theme, b.keys, b.ascii);
    match l {
        Layer::Help(h) => draw_help(f, h, t, keys, ascii, area),
        Layer::Messages(m) => draw_messages(f, m, b, area),
        Layer::Who(w) => draw_who(f, w, t, ascii, area),
        Layer::Dialog(d) => draw_dialog(f, d, t, area),
        // The filter's line is drawn by the tree pane, in its title.
        Layer::Filter(_) => {}
    }
}

fn draw_help(f: &mut Frame, h: &mut HelpView, t: &Theme, keys: &KeyMap, ascii: bool, area: Rect) {
    let rows = keys.help_rows(h.scope);
    let r = centered(
        area,
        84.min(area.width),
        (rows.len() as u16 + 20).min(area.height),
    );
    let b = block(format!(" Keys: {} first ", h.scope.title()), true, t, ascii);
    let inner = b.inner(r);
    let inner_w = inner.width as usize;
    let mut lines = Vec::new();
    let mut last = "";
    let legend = if ascii {
        &super::ASCII
    } else {
        &super::UNICODE
    }
    .legend(ascii);
    let head = t.fg(t.title).add_modifier(Modifier::BOLD);
    for (i, (keys, desc, section)) in rows.into_iter().enumerate() {
        if section != last && i > 0 && last == Scope::Global.title() {
            // After the focused pane's keys and those of everywhere: what the screen means.
            lines.push(Line::from(Span::styled("Legend", head)));
            for l in &legend {
                lines.push(Line::from(fit(l, inner_w)));
            }
        }
        if section != last {
            let head = t.fg(t.title).add_modifier(Modifier::BOLD);
            lines.push(Line::from(Span::styled(section, head)));
            last = section;
        }
        lines.push(Line::from(fit(&format!("  {keys:<18} {desc}"), inner_w)));
    }
    let body_h = (inner.height as usize).saturating_sub(1);
    let mut shown = scrolled(lines, body_h, &mut h.scroll, &mut h.max);
    let more = if h.max > 0 {
        "j/k scroll, any other key closes"
    } else {
        "any key closes"
    };
    shown.push(Line::from(Span::styled(fit(more, inner_w), t.dimmed())));
    f.render_widget(Clear, r);
    f.render_widget(Paragraph::new(shown).block(b), r);
}

/// The `body_h` lines of a read-only view from its scroll, which is kept
/// within the largest useful one (`max`, remembered for End and the wheel).
fn scrolled<'a>(
    lines: Vec<Line<'a>>,
    body_h: usize,
    scroll: &mut u16,
    max: &mut u16,
) -> Vec<Line<'a>> {
    *max = lines.len().saturating_sub(body_h) as u16;
    *scroll = (*scroll).min(*max);
    lines
        .into_iter()
        .skip(*scroll as usize)
        .take(body_h)
        .collect()
}

/// The message history: each message whole, newest first, with its
/// explanation (the rule's reasoning, whom to ask) below it.
fn draw_messages(f: &mut Frame, m: &mut MessagesView, b: &Beside, area: Rect) {
    let t = b.theme;
    let r = centered(area, 100.min(area.width), area.height.saturating_sub(2));
    let bl = block(" Messages, newest first ".into(), true, t, b.ascii);
    let inner = bl.inner(r);
    let iw = inner.width as usize;
    let mut lines = Vec::new();
    if b.messages.is_empty() {
        lines.push(Line::from(Span::styled("No messages yet.", t.dimmed())));
    }
    for msg in b.messages.newest_first() {
        let style = if msg.error {
            t.fg(t.error).add_modifier(Modifier::BOLD)
        } else {
            Style::default()
        };
        let time = crate::tui::model::when(msg.at);
        let head = format!("{} {}", &time[time.len().saturating_sub(5)..], msg.text);
        for part in wrap_hanging(&head, iw) {
            lines.push(Line::from(Span::styled(part, style)));
        }
        for more in &msg.more {
            for part in wrap_hanging(&format!("      {more}"), iw) {
                lines.push(Line::from(Span::styled(part, t.dimmed())));
            }
        }
    }
    let body_h = (inner.height as usize).saturating_sub(1);
    let mut shown = scrolled(lines, body_h, &mut m.scroll, &mut m.max);
    let close = b.keys.key_label(Scope::Messages, Cmd::Close);
    shown.push(Line::from(Span::styled(
        fit(&format!("j/k scroll, {close} closes"), iw),
        t.dimmed(),
    )));
    f.render_widget(Clear, r);
    f.render_widget(Paragraph::new(shown).block(bl), r);
}

/// The "Who has access" view: a line per user and per contributing grant, scrollable.
fn draw_who(f: &mut Frame, v: &mut WhoView, t: &Theme, ascii: bool, area: Rect) {
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
    let b = block(" Who has access ".into(), true, t, ascii);
    let inner = b.inner(r);
    let iw = inner.width as usize;
    let mut body = Vec::new();
    for (tone, text) in v.lines() {
        for part in wrap_hanging(&text, iw) {
            body.push(Line::from(Span::styled(part, tone_style(t, tone))));
        }
    }
    // Rows: the path, the count and order, the body, the hint.
    let h = (inner.height as usize).saturating_sub(3);
    v.height = h;
    v.total = body.len();
    let max = body.len().saturating_sub(h);
    v.scroll = v.scroll.min(max);
    let order = if v.by_user { "by user" } else { "by level" };
    let next = crate::tui::words::verb(crate::tui::who::next_can(v.can));
    let other = if v.by_user { "by level" } else { "by user" };
    let mut lines = vec![
        Line::from(Span::styled(
            fit(&escape(&v.path), iw),
            t.fg(t.title).add_modifier(Modifier::BOLD),
        )),
        Line::from(Span::styled(
            fit(
                &format!(
                    "{} user(s) can {} it, sorted {order}",
                    v.rows.len(),
                    crate::tui::words::verb(v.can)
                ),
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
            "s {other}  c who can {next}  ↑/↓ PgUp/PgDn scroll ({}/{})  Esc closes",
            v.scroll, max
        )
    } else {
        format!("s sort {other}   c who can {next}   Esc closes")
    };
    lines.push(Line::from(Span::styled(fit(&more, iw), t.dimmed())));
    f.render_widget(Clear, r);
    f.render_widget(Paragraph::new(lines).block(b), r);
}

fn draw_dialog(f: &mut Frame, d: &mut Dialog, t: &Theme, area: Rect) {
    let w = 72.min(area.width.saturating_sub(2)).max(20);
    let whatif = whatif_lines(d, t, w.saturating_sub(2) as usize, area);
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
    let r = centered(area, w, (fixed + body_rows).min(area.height));
    f.render_widget(Clear, r);
    let b = block(format!(" {} ", d.title), true, t, false);
    let inner = b.inner(r);
    f.render_widget(b, r);
    let iw = inner.width as usize;
    let mut lines: Vec<Line> = d.lines.iter().map(|l| Line::from(fit(l, iw))).collect();
    lines.extend(whatif);
    match &mut d.body {
        Body::Input { text, cursor, .. } => {
            let (line, x) = input_line(text, *cursor, iw);
            lines.push(line);
            let y = inner.y + lines.len() as u16 - 1;
            f.set_cursor_position((inner.x + x, y));
        }
        Body::Confirm => {}
        Body::Pick(p) => {
            d.list_height = list_rows as usize;
            // The rows start under the filter line (and "no match").
            d.list_area = Rect {
                x: inner.x,
                y: inner.y + lines.len() as u16 + 1,
                width: inner.width,
                height: list_rows,
            };
            picker_lines(&mut lines, p, t, iw, list_rows as usize);
        }
    }
    if let Some(e) = &d.error {
        let bad = t.fg(t.error).add_modifier(Modifier::BOLD);
        lines.push(Line::from(Span::styled(fit(e, iw), bad)));
    }
    let hint = match d.body {
        Body::Confirm => "y yes   n / Esc no",
        Body::Input { .. } => "Enter ok   Esc cancel",
        Body::Pick(_) => "type to filter   ↑/↓ choose   Enter ok   Esc cancel",
    };
    lines.push(Line::from(Span::styled(fit(hint, iw), t.dimmed())));
    f.render_widget(Paragraph::new(lines), inner);
}

/// The what-if of a change that alters access, wrapped to the dialog.
fn whatif_lines<'a>(d: &Dialog, t: &Theme, iw: usize, area: Rect) -> Vec<Line<'a>> {
    let mut out = Vec::new();
    let Some(v) = &d.whatif else {
        return out;
    };
    for (tone, text) in v.lines() {
        for part in wrap_hanging(&text, iw) {
            out.push(Line::from(Span::styled(part, tone_style(t, tone))));
        }
    }
    // A long answer leaves room for the field or a few rows of the list.
    out.truncate(
        (area.height as usize)
            .saturating_sub(d.lines.len() + 8)
            .max(2),
    );
    out
}

/// A text field scrolled to keep the cursor in view, and the cursor's column.
fn input_line<'a>(text: &str, cursor: usize, iw: usize) -> (Line<'a>, u16) {
    let shown = escape(text);
    let before: String = text.chars().take(cursor).collect();
    let cur_col = escape(&before).width();
    let start = cur_col.saturating_sub(iw.saturating_sub(2));
    let mut acc = String::new();
    let mut col = 0;
    for c in shown.chars() {
        if col >= start {
            acc.push(c);
        }
        col += c.width().unwrap_or(0);
    }
    let visible = fit(&acc, iw.saturating_sub(1));
    let pad = " ".repeat(iw.saturating_sub(visible.width()));
    let line = Line::from(Span::styled(
        format!("{visible}{pad}"),
        Style::default().add_modifier(Modifier::UNDERLINED),
    ));
    (line, (cur_col - start).min(iw.saturating_sub(1)) as u16)
}

/// A picker's filter line and the rows of its list in view.
/// A label with the letters the query matched underlined and bold.
fn marked<'a>(label: &str, query: &str, style: Style) -> Vec<Span<'a>> {
    let hits = super::super::dialog::matched(query, label);
    if hits.is_empty() {
        return vec![Span::styled(label.to_string(), style)];
    }
    let hit = style.add_modifier(Modifier::BOLD | Modifier::UNDERLINED);
    label
        .chars()
        .enumerate()
        .map(|(i, c)| Span::styled(c.to_string(), if hits.contains(&i) { hit } else { style }))
        .collect()
}

/// A path cut to `w` columns from the left, by whole names: "…/Line1/OEE".
fn fit_path(path: &str, w: usize) -> String {
    if path.width() <= w {
        return path.to_string();
    }
    let mut rest = path;
    while let Some((_, tail)) = rest.trim_start_matches('/').split_once('/') {
        rest = tail;
        let cut = format!("…/{rest}");
        if cut.width() <= w {
            return cut;
        }
    }
    fit(&format!("…/{rest}"), w)
}

fn picker_lines(
    lines: &mut Vec<Line>,
    p: &super::super::dialog::Picker,
    t: &Theme,
    iw: usize,
    rows: usize,
) {
    lines.push(Line::from(vec![
        Span::styled("filter: ", t.dimmed()),
        Span::raw(escape(&p.query)),
        Span::styled("▏", t.dimmed()),
    ]));
    if p.filtered.is_empty() {
        lines.push(Line::from(Span::styled("  no match", t.dimmed())));
    }
    let end = (p.offset + rows).min(p.filtered.len());
    for (row, &i) in p.filtered[p.offset..end].iter().enumerate() {
        let it = &p.items[i];
        let sel = p.offset + row == p.sel;
        let label = fit(&it.label, iw.saturating_sub(2));
        let rest = iw.saturating_sub(label.width() + 3);
        let detail = if it.detail.is_empty() || rest < 4 {
            String::new()
        } else if it.detail.starts_with('/') {
            // A path gives way from the left, a whole name at a time.
            format!(" {}", fit_path(&it.detail, rest))
        } else {
            format!(" {}", fit(&it.detail, rest))
        };
        let pad = iw.saturating_sub(2 + label.width() + detail.width());
        let style = if sel { t.selected() } else { Style::default() };
        let mut spans = vec![Span::styled(if sel { "› " } else { "  " }, style)];
        spans.extend(marked(&label, &p.query, style));
        spans.push(Span::styled(detail, if sel { style } else { t.dimmed() }));
        spans.push(Span::styled(" ".repeat(pad), style));
        lines.push(Line::from(spans));
    }
}
