//! Theme and text sizes, applied from settings when they change (not every frame).

use crate::settings::{Settings, Theme};

/// Lets proportional text fall back to the monospace font, which has the box-drawing
/// characters that tables and ANSI art use.
pub fn install_fonts(ctx: &egui::Context) {
    let mut fonts = egui::FontDefinitions::default();
    if let Some(family) = fonts.families.get_mut(&egui::FontFamily::Proportional)
        && !family.iter().any(|f| f == "Hack")
    {
        family.push("Hack".to_owned());
    }
    // Mail and news come in every script; egui's fonts have no Chinese, Japanese or Korean.
    // The first of the usual system fonts that has them is added as a last fallback.
    if let Some((name, bytes)) = CJK_FONTS
        .iter()
        .find_map(|path| std::fs::read(path).ok().map(|b| (*path, b)))
    {
        fonts
            .font_data
            .insert(name.to_owned(), egui::FontData::from_owned(bytes).into());
        for family in fonts.families.values_mut() {
            family.push(name.to_owned());
        }
    }
    ctx.set_fonts(fonts);
}

/// System fonts with CJK glyphs, as Debian's packages install them.
const CJK_FONTS: &[&str] = &[
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
    "/usr/share/fonts/truetype/arphic/uming.ttc",
];

/// Applies theme and font size to every style of the context.
pub fn apply(ctx: &egui::Context, settings: &Settings) {
    ctx.set_theme(match settings.theme {
        Theme::System => egui::ThemePreference::System,
        Theme::Light => egui::ThemePreference::Light,
        Theme::Dark => egui::ThemePreference::Dark,
    });
    let size = settings.font_size;
    ctx.all_styles_mut(|style| {
        use egui::{FontFamily, FontId, TextStyle};
        style.text_styles = [
            (
                TextStyle::Heading,
                FontId::new(size * 1.45, FontFamily::Proportional),
            ),
            (TextStyle::Body, FontId::new(size, FontFamily::Proportional)),
            (
                TextStyle::Monospace,
                FontId::new(size, FontFamily::Monospace),
            ),
            (
                TextStyle::Button,
                FontId::new(size, FontFamily::Proportional),
            ),
            (
                TextStyle::Small,
                FontId::new(size * 0.78, FontFamily::Proportional),
            ),
        ]
        .into();
    });
}

/// The icon shown before a gopher menu item of this type.
pub fn gopher_icon(item_type: u8) -> &'static str {
    match item_type {
        b'0' => "🗋",
        b'1' => "🗀",
        b'2' => "☎",
        b'3' => "⚠",
        b'4' | b'5' | b'6' | b'9' => "💾",
        b'7' => "🔍",
        b'8' | b'T' => "🖧",
        b'g' | b'I' | b'p' => "🖼",
        b'h' => "🌐",
        b'i' => " ",
        b's' => "🔊",
        b'd' => "📄",
        b'+' => "⇄",
        b';' => "🎞",
        b'c' => "📅",
        b'M' => "✉",
        _ => "?",
    }
}
