//! Colour themes: TOML files in `assets/themes/` (built in) or a path given
//! with `--theme`. `NO_COLOR` (set and not empty) turns every colour off;
//! emphasis then comes from bold, reverse and dim only.

use std::collections::BTreeMap;

use ratatui::style::{Color, Modifier, Style};

const BUILT_IN: &[(&str, &str)] = &[
    ("default", include_str!("../../assets/themes/default.toml")),
    ("light", include_str!("../../assets/themes/light.toml")),
    ("mono", include_str!("../../assets/themes/mono.toml")),
];

#[derive(Debug, Clone, PartialEq)]
pub struct Theme {
    pub name: String,
    pub mono: bool,
    pub text: Color,
    pub dim: Color,
    pub border: Color,
    pub border_focus: Color,
    pub title: Color,
    pub selected_fg: Color,
    pub selected_bg: Color,
    pub folder: Color,
    pub app: Color,
    pub asset: Color,
    pub space: Color,
    pub level: Color,
    pub ok: Color,
    pub error: Color,
    pub warn: Color,
    pub status_fg: Color,
    pub status_bg: Color,
    pub inspect: Color,
}

pub fn parse_color(s: &str) -> Option<Color> {
    let s = s.trim().to_ascii_lowercase();
    if let Some(hex) = s.strip_prefix('#') {
        if hex.len() == 6 {
            let v = u32::from_str_radix(hex, 16).ok()?;
            return Some(Color::Rgb((v >> 16) as u8, (v >> 8) as u8, v as u8));
        }
        return None;
    }
    Some(match s.replace(['_', '-', ' '], "").as_str() {
        "reset" | "default" => Color::Reset,
        "black" => Color::Black,
        "red" => Color::Red,
        "green" => Color::Green,
        "yellow" => Color::Yellow,
        "blue" => Color::Blue,
        "magenta" => Color::Magenta,
        "cyan" => Color::Cyan,
        "gray" | "grey" => Color::Gray,
        "darkgray" | "darkgrey" => Color::DarkGray,
        "lightred" => Color::LightRed,
        "lightgreen" => Color::LightGreen,
        "lightyellow" => Color::LightYellow,
        "lightblue" => Color::LightBlue,
        "lightmagenta" => Color::LightMagenta,
        "lightcyan" => Color::LightCyan,
        "white" => Color::White,
        _ => return None,
    })
}

impl Theme {
    /// Parses a theme file; missing keys take the default theme's colours.
    pub fn from_toml(text: &str) -> Result<Theme, String> {
        let doc: BTreeMap<String, toml::Value> =
            toml::from_str(text).map_err(|e| e.message().to_string())?;
        let mut t = Theme::builtin_default();
        for (k, v) in doc {
            let Some(s) = v.as_str() else {
                return Err(format!("{k}: expected a string"));
            };
            if k == "name" {
                t.name = s.to_string();
                continue;
            }
            let c = parse_color(s).ok_or_else(|| format!("{k}: unknown colour '{s}'"))?;
            let slot = match k.as_str() {
                "text" => &mut t.text,
                "dim" => &mut t.dim,
                "border" => &mut t.border,
                "border_focus" => &mut t.border_focus,
                "title" => &mut t.title,
                "selected_fg" => &mut t.selected_fg,
                "selected_bg" => &mut t.selected_bg,
                "folder" => &mut t.folder,
                "app" => &mut t.app,
                "asset" => &mut t.asset,
                "space" => &mut t.space,
                "level" => &mut t.level,
                "ok" => &mut t.ok,
                "error" => &mut t.error,
                "warn" => &mut t.warn,
                "status_fg" => &mut t.status_fg,
                "status_bg" => &mut t.status_bg,
                "inspect" => &mut t.inspect,
                _ => return Err(format!("unknown theme key '{k}'")),
            };
            *slot = c;
        }
        t.mono = t.selected_bg == Color::Reset;
        Ok(t)
    }

    fn builtin_default() -> Theme {
        Theme {
            name: "default".into(),
            mono: false,
            text: Color::Reset,
            dim: Color::DarkGray,
            border: Color::DarkGray,
            border_focus: Color::Cyan,
            title: Color::Cyan,
            selected_fg: Color::Black,
            selected_bg: Color::Cyan,
            folder: Color::Yellow,
            app: Color::LightGreen,
            asset: Color::LightBlue,
            space: Color::Magenta,
            level: Color::Gray,
            ok: Color::Green,
            error: Color::LightRed,
            warn: Color::Yellow,
            status_fg: Color::Black,
            status_bg: Color::Gray,
            inspect: Color::LightMagenta,
        }
    }

    /// The names of the built-in themes: for errors and the command line's help.
    pub fn built_in_names() -> Vec<&'static str> {
        BUILT_IN.iter().map(|(n, _)| *n).collect()
    }

    /// The theme named on the command line (a built-in name or a TOML file).
    pub fn load(name: Option<&str>) -> Result<Theme, String> {
        let name = name.unwrap_or("default");
        if let Some((_, text)) = BUILT_IN.iter().find(|(n, _)| *n == name) {
            return Theme::from_toml(text);
        }
        let text = std::fs::read_to_string(name).map_err(|e| {
            format!(
                "theme '{name}': {e} (built-in themes: {})",
                Theme::built_in_names().join(", ")
            )
        })?;
        Theme::from_toml(&text).map_err(|e| format!("theme '{name}': {e}"))
    }

    /// Every colour off (NO_COLOR).
    pub fn no_color(mut self) -> Theme {
        let mono = Theme::from_toml(BUILT_IN[2].1).expect("built-in mono theme");
        let name = std::mem::take(&mut self.name);
        Theme { name, ..mono }
    }

    pub fn no_color_requested() -> bool {
        std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty())
    }

    pub fn fg(&self, c: Color) -> Style {
        Style::default().fg(c)
    }
    pub fn selected(&self) -> Style {
        if self.mono {
            Style::default().add_modifier(Modifier::REVERSED)
        } else {
            Style::default().fg(self.selected_fg).bg(self.selected_bg)
        }
    }
    pub fn dimmed(&self) -> Style {
        if self.mono {
            Style::default().add_modifier(Modifier::DIM)
        } else {
            Style::default().fg(self.dim)
        }
    }
    pub fn status(&self) -> Style {
        if self.mono {
            Style::default().add_modifier(Modifier::REVERSED)
        } else {
            Style::default().fg(self.status_fg).bg(self.status_bg)
        }
    }
    pub fn border(&self, focused: bool) -> Style {
        match (focused, self.mono) {
            (true, true) => Style::default().add_modifier(Modifier::BOLD),
            (true, false) => Style::default().fg(self.border_focus),
            (false, _) => Style::default().fg(self.border),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn built_in_themes_parse() {
        for (n, _) in BUILT_IN {
            let t = Theme::load(Some(n)).unwrap();
            assert_eq!(t.name, *n);
        }
        assert!(Theme::load(Some("mono")).unwrap().mono);
        assert!(!Theme::load(None).unwrap().mono);
    }

    #[test]
    fn bad_theme_is_reported() {
        assert!(Theme::from_toml("app = \"chartreuse-ish\"").is_err());
        assert!(Theme::load(Some("/nonexistent/x.toml"))
            .unwrap_err()
            .contains("built-in themes"));
        assert_eq!(
            Theme::from_toml("app = \"#102030\"").unwrap().app,
            Color::Rgb(0x10, 0x20, 0x30)
        );
    }

    #[test]
    fn no_color_turns_colours_off() {
        let t = Theme::load(None).unwrap().no_color();
        assert!(t.mono);
        assert_eq!(t.folder, Color::Reset);
    }
}
