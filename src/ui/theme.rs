//! Themes: TOML files of named styles. The shipped ones are compiled in; files in
//! `$XDG_CONFIG_HOME/zkconsole/themes/` add or replace themes. Every theme is layered over the
//! default, so a file may set only what it changes. Styles are looked up at render time, so
//! the theme can change while the console runs.

use ratatui::style::{Color, Modifier, Style};
use serde::Deserialize;
use std::collections::BTreeMap;

pub const DEFAULT_THEME: &str = "dark";

const SHIPPED: [(&str, &str); 5] = [
    ("dark", include_str!("../../themes/dark.toml")),
    ("light", include_str!("../../themes/light.toml")),
    (
        "high-contrast",
        include_str!("../../themes/high-contrast.toml"),
    ),
    ("ansi16", include_str!("../../themes/ansi16.toml")),
    ("monochrome", include_str!("../../themes/monochrome.toml")),
];

/// The roles a style plays; every theme defines all of them (through the default).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Slot {
    Text,
    Muted,
    Border,
    Title,
    Header,
    Selected,
    Ok,
    Warn,
    Critical,
    Down,
    Stale,
    Leader,
    Follower,
    Observer,
    Joining,
    Changed,
    Sparkline,
    Badge,
    Key,
    Input,
}

#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
struct StyleSpec {
    fg: Option<String>,
    bg: Option<String>,
    bold: Option<bool>,
    dim: Option<bool>,
    italic: Option<bool>,
    underlined: Option<bool>,
    reversed: Option<bool>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ThemeFile {
    name: Option<String>,
    #[serde(default)]
    styles: BTreeMap<Slot, StyleSpec>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Theme {
    pub name: String,
    styles: BTreeMap<Slot, Style>,
}

impl Theme {
    pub fn style(&self, slot: Slot) -> Style {
        self.styles.get(&slot).copied().unwrap_or_default()
    }
}

#[derive(Debug, Clone)]
pub struct Themes {
    themes: BTreeMap<String, Theme>,
    /// Problems with user theme files: reported, and the console starts anyway.
    pub warnings: Vec<String>,
}

impl Themes {
    /// Shipped themes plus the user's directory (if any).
    pub fn load(user_dir: Option<&std::path::Path>) -> Themes {
        let mut files: Vec<(String, String, String)> = SHIPPED
            .iter()
            .map(|(n, t)| (n.to_string(), format!("themes/{n}.toml"), t.to_string()))
            .collect();
        let mut warnings = Vec::new();
        if let Some(dir) = user_dir {
            if let Ok(rd) = std::fs::read_dir(dir) {
                let mut paths: Vec<_> = rd.filter_map(|e| e.ok().map(|e| e.path())).collect();
                paths.sort();
                for p in paths
                    .into_iter()
                    .filter(|p| p.extension().is_some_and(|x| x == "toml"))
                {
                    let name = p
                        .file_stem()
                        .map(|s| s.to_string_lossy().into_owned())
                        .unwrap_or_default();
                    match std::fs::read_to_string(&p) {
                        Ok(t) => files.push((name, p.display().to_string(), t)),
                        Err(e) => warnings.push(format!("{}: {e}", p.display())),
                    }
                }
            }
        }
        let base = parse(SHIPPED[0].1, "themes/dark.toml", None)
            .expect("the shipped default theme parses");
        let mut themes = BTreeMap::new();
        for (name, path, text) in files {
            match parse(&text, &path, Some(&base)) {
                Ok(mut t) => {
                    if t.name.is_empty() {
                        t.name = name.clone();
                    }
                    themes.insert(name, t);
                }
                Err(e) => warnings.push(e),
            }
        }
        Themes { themes, warnings }
    }

    pub fn names(&self) -> Vec<String> {
        self.themes.keys().cloned().collect()
    }

    pub fn get(&self, name: &str) -> &Theme {
        self.themes
            .get(name)
            .or_else(|| self.themes.get(DEFAULT_THEME))
            .expect("the default theme is always loaded")
    }

    pub fn contains(&self, name: &str) -> bool {
        self.themes.contains_key(name)
    }
}

/// `NO_COLOR` (any non-empty value, per no-color.org) means monochrome, whatever was asked.
pub fn effective_theme(requested: &str) -> String {
    match std::env::var("NO_COLOR") {
        Ok(v) if !v.is_empty() => "monochrome".into(),
        _ => requested.to_string(),
    }
}

fn parse(text: &str, path: &str, base: Option<&Theme>) -> Result<Theme, String> {
    let file: ThemeFile = toml::from_str(text).map_err(|e| {
        let line = e
            .span()
            .map(|s| text[..s.start.min(text.len())].matches('\n').count() + 1)
            .unwrap_or(0);
        format!("{path}:{line}: {}", e.message().trim())
    })?;
    let mut styles = base.map(|b| b.styles.clone()).unwrap_or_default();
    for (slot, spec) in file.styles {
        let mut style = Style::default();
        if let Some(fg) = &spec.fg {
            style = style.fg(color(fg).map_err(|m| format!("{path}: styles.{slot:?}.fg: {m}"))?);
        }
        if let Some(bg) = &spec.bg {
            style = style.bg(color(bg).map_err(|m| format!("{path}: styles.{slot:?}.bg: {m}"))?);
        }
        for (flag, m) in [
            (spec.bold, Modifier::BOLD),
            (spec.dim, Modifier::DIM),
            (spec.italic, Modifier::ITALIC),
            (spec.underlined, Modifier::UNDERLINED),
            (spec.reversed, Modifier::REVERSED),
        ] {
            if flag == Some(true) {
                style = style.add_modifier(m);
            }
        }
        styles.insert(slot, style);
    }
    Ok(Theme {
        name: file.name.unwrap_or_default(),
        styles,
    })
}

fn color(s: &str) -> Result<Color, String> {
    let s = s.trim().to_ascii_lowercase();
    if let Some(hex) = s.strip_prefix('#') {
        if hex.len() == 6 {
            if let Ok(v) = u32::from_str_radix(hex, 16) {
                return Ok(Color::Rgb((v >> 16) as u8, (v >> 8) as u8, v as u8));
            }
        }
        return Err(format!("{s:?} is not #rrggbb"));
    }
    Ok(match s.as_str() {
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
        other => {
            return Err(format!(
                "unknown colour {other:?} (use an ANSI name, reset, or #rrggbb)"
            ))
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shipped_themes_load_without_warnings() {
        let t = Themes::load(None);
        assert!(t.warnings.is_empty(), "{:?}", t.warnings);
        assert_eq!(t.names().len(), 5);
    }

    #[test]
    fn ansi16_uses_only_ansi_colours_and_monochrome_none() {
        let t = Themes::load(None);
        for (name, allow_named) in [("ansi16", true), ("monochrome", false)] {
            let th = t.get(name);
            for s in th.styles.values() {
                for c in [s.fg, s.bg].into_iter().flatten() {
                    assert!(
                        !matches!(c, Color::Rgb(..) | Color::Indexed(_)),
                        "{name}: {c:?}"
                    );
                    if !allow_named {
                        assert_eq!(c, Color::Reset, "{name}");
                    }
                }
            }
        }
    }

    #[test]
    fn partial_user_theme_layers_over_default_and_errors_name_file() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("mine.toml"),
            "[styles]\nwarn = { fg = \"magenta\" }\n",
        )
        .unwrap();
        std::fs::write(
            dir.path().join("bad.toml"),
            "[styles]\nwarn = { fg = \"chartreuse\" }\n",
        )
        .unwrap();
        let t = Themes::load(Some(dir.path()));
        let mine = t.get("mine");
        assert_eq!(mine.style(Slot::Warn).fg, Some(Color::Magenta));
        assert_eq!(
            mine.style(Slot::Critical),
            t.get("dark").style(Slot::Critical)
        );
        assert!(!t.contains("bad"));
        assert!(
            t.warnings
                .iter()
                .any(|w| w.contains("bad.toml") && w.contains("chartreuse")),
            "{:?}",
            t.warnings
        );
    }
}
