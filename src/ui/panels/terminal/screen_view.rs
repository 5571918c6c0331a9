//! The terminal widget: draws a session's screen cell by cell (colours, attributes, the
//! selection, the cursor, box drawing as shapes), turns the mouse into selection and
//! scrolling, and the keyboard into bytes for the host. It reads the screen with `try_lock`:
//! the worker holds it only while it feeds it.

use alacritty_terminal::term::cell::Flags;
use alacritty_terminal::vte::ansi::{Color, NamedColor};
use egui::{Color32, FontId};

use super::box_drawing;
use super::grid_mesh::GridMesh;
use super::session::Session;
use crate::terminal::{
    KeyMods, KeypadKey, MouseAction, MouseButton, MouseEvent, MouseTracking, SelectionKind,
    TermKey, encode_key, encode_keypad_app, encode_mouse, encode_paste,
};

/// The 16 ANSI colours: xterm's, with the blues lightened to read on a dark background.
const PALETTE: [(u8, u8, u8); 16] = [
    (0, 0, 0),
    (205, 0, 0),
    (0, 205, 0),
    (205, 205, 0),
    (36, 114, 200),
    (205, 0, 205),
    (0, 205, 205),
    (229, 229, 229),
    (127, 127, 127),
    (255, 0, 0),
    (0, 255, 0),
    (255, 255, 0),
    (59, 142, 234),
    (255, 0, 255),
    (0, 255, 255),
    (255, 255, 255),
];

pub fn indexed(i: u8) -> Color32 {
    match i {
        0..=15 => {
            let (r, g, b) = PALETTE[usize::from(i)];
            Color32::from_rgb(r, g, b)
        }
        16..=231 => {
            let i = i - 16;
            let level = |v: u8| if v == 0 { 0 } else { 55 + v * 40 };
            Color32::from_rgb(level(i / 36), level((i / 6) % 6), level(i % 6))
        }
        _ => {
            let v = 8 + (i - 232) * 10;
            Color32::from_rgb(v, v, v)
        }
    }
}

/// A cell colour on the window's background; `fg` says which default applies.
fn color_of(c: Color, fg: bool, visuals: &egui::Visuals) -> Color32 {
    match c {
        Color::Spec(rgb) => Color32::from_rgb(rgb.r, rgb.g, rgb.b),
        Color::Indexed(i) => indexed(i),
        Color::Named(n) => {
            let i = n as usize;
            if i < 16 {
                indexed(i as u8)
            } else if n == NamedColor::Background || !fg {
                visuals.extreme_bg_color
            } else {
                visuals.text_color()
            }
        }
    }
}

/// The key egui reports, as the terminal knows it.
fn term_key(key: egui::Key) -> Option<TermKey> {
    use egui::Key;
    Some(match key {
        Key::Enter => TermKey::Enter,
        Key::Backspace => TermKey::Backspace,
        Key::Tab => TermKey::Tab,
        Key::Escape => TermKey::Escape,
        Key::ArrowUp => TermKey::Up,
        Key::ArrowDown => TermKey::Down,
        Key::ArrowRight => TermKey::Right,
        Key::ArrowLeft => TermKey::Left,
        Key::Home => TermKey::Home,
        Key::End => TermKey::End,
        Key::PageUp => TermKey::PageUp,
        Key::PageDown => TermKey::PageDown,
        Key::Insert => TermKey::Insert,
        Key::Delete => TermKey::Delete,
        Key::F1 => TermKey::F(1),
        Key::F2 => TermKey::F(2),
        Key::F3 => TermKey::F(3),
        Key::F4 => TermKey::F(4),
        Key::F5 => TermKey::F(5),
        Key::F6 => TermKey::F(6),
        Key::F7 => TermKey::F(7),
        Key::F8 => TermKey::F(8),
        Key::F9 => TermKey::F(9),
        Key::F10 => TermKey::F(10),
        Key::F11 => TermKey::F(11),
        Key::F12 => TermKey::F(12),
        other => {
            let name = other.symbol_or_name();
            let mut chars = name.chars();
            match (chars.next(), chars.next()) {
                (Some(c), None) if c.is_ascii_graphic() => TermKey::Char(c),
                _ if other == Key::Space => TermKey::Char(' '),
                _ => return None,
            }
        }
    })
}

/// How often at most the screen's text for screen readers is made again.
const TEXT_EVERY: std::time::Duration = std::time::Duration::from_millis(200);

/// A character none of the window's built-in fonts has, drawn as another at a scale:
/// CP437's 0xFC (ⁿ) as a small n.
fn own_glyph(c: char) -> Option<(char, f32)> {
    (c == '\u{207f}').then_some(('n', 0.6))
}

/// What the widget wants done that it cannot do itself.
#[derive(Default)]
pub struct ViewOutput {
    /// Text to put on the clipboard (the user copied).
    pub copy: Option<String>,
}

/// Cell size for the monospace font in use.
pub fn cell_size(ui: &egui::Ui) -> (FontId, f32, f32) {
    let font = FontId::monospace(egui::TextStyle::Monospace.resolve(ui.style()).size);
    let row_h = ui.fonts_mut(|f| f.row_height(&font));
    let col_w = ui.fonts_mut(|f| f.glyph_width(&font, 'M'));
    (font, row_h, col_w)
}

/// Draws `session` in the space left and handles its input.
pub fn show(ui: &mut egui::Ui, session: &mut Session) -> ViewOutput {
    let mut out = ViewOutput::default();
    let (font, row_h, col_w) = cell_size(ui);
    let avail = ui.available_size();
    let cols = ((avail.x / col_w).floor() as u16).clamp(20, 500);
    let rows = ((avail.y / row_h).floor() as u16).clamp(5, 300);
    session.resize(cols, rows);
    let (rect, response) = ui.allocate_exact_size(avail, egui::Sense::click_and_drag());
    let id = response.id;
    let cell_at = |pos: egui::Pos2| -> (usize, usize) {
        let rel = pos - rect.min;
        (
            (rel.y / row_h).max(0.0) as usize,
            (rel.x / col_w).max(0.0) as usize,
        )
    };
    if response.clicked() || response.drag_started() || std::mem::take(&mut session.want_focus) {
        response.request_focus();
        session.bell = false;
    }
    if let Ok(s) = session.screen.try_lock() {
        session.modes = s.modes();
    }
    let modes = session.modes;
    // A host that asked for the mouse gets it; Shift keeps it here (selection, the menu), as
    // in xterm.
    let reporting = modes.mouse != MouseTracking::Off && !ui.input(|i| i.modifiers.shift);
    let last_cell = (usize::from(rows) - 1, usize::from(cols) - 1);
    let on_cell = |pos: egui::Pos2| {
        let (row, col) = cell_at(pos);
        (row.min(last_cell.0), col.min(last_cell.1))
    };
    if reporting {
        report_mouse(ui, rect, &on_cell, modes, session);
    }
    // The mouse: select by dragging (a double click a word, a triple click a line).
    if !reporting && let Some(pos) = response.interact_pointer_pos() {
        let (row, col) = cell_at(pos);
        if let Ok(mut screen) = session.screen.try_lock() {
            if response.triple_clicked() {
                screen.select_start(row, col, SelectionKind::Lines);
            } else if response.double_clicked() {
                screen.select_start(row, col, SelectionKind::Words);
            } else if response.drag_started() {
                // A drag is seen once the pointer has moved a little: it starts where the
                // button went down.
                let origin = ui.input(|i| i.pointer.press_origin()).unwrap_or(pos);
                let (r0, c0) = cell_at(origin);
                screen.select_start(r0, c0, SelectionKind::Cells);
                screen.select_to(row, col);
            } else if response.dragged() {
                screen.select_to(row, col);
            } else if response.clicked() {
                screen.clear_selection();
            }
        }
    }
    if !reporting {
        context_menu(&response, session, &mut out, id);
    }
    // The wheel: scroll back through the history, or arrows for a full-screen program (or
    // wheel reports, when it asked for the mouse).
    if response.hovered() {
        // In lines: the raw wheel events, since egui's smoothed delta is for scroll areas.
        let rows = f32::from(rows);
        let dy: f32 = ui.input(|i| {
            i.events
                .iter()
                .filter_map(|e| match e {
                    egui::Event::MouseWheel { unit, delta, .. } => Some(match unit {
                        egui::MouseWheelUnit::Point => delta.y / row_h,
                        egui::MouseWheelUnit::Line => delta.y,
                        egui::MouseWheelUnit::Page => delta.y * rows,
                    }),
                    _ => None,
                })
                .sum()
        });
        if dy != 0.0 {
            session.scroll_rest += dy;
            let lines = session.scroll_rest.trunc() as i32;
            session.scroll_rest -= lines as f32;
            if lines != 0 {
                let pointer = ui.input(|i| i.pointer.hover_pos());
                if reporting && let Some(pos) = pointer {
                    let (row, col) = on_cell(pos);
                    let mods = ui.input(|i| i.modifiers);
                    let button = if lines > 0 {
                        MouseButton::WheelUp
                    } else {
                        MouseButton::WheelDown
                    };
                    let mut bytes = Vec::new();
                    for _ in 0..lines.unsigned_abs() {
                        let event = MouseEvent {
                            button: Some(button),
                            kind: MouseAction::Press,
                            row,
                            col,
                            shift: mods.shift,
                            alt: mods.alt,
                            ctrl: mods.ctrl,
                        };
                        bytes.extend(
                            encode_mouse(event, modes.mouse, modes.mouse_encoding)
                                .unwrap_or_default(),
                        );
                    }
                    session.type_bytes(&bytes);
                } else if modes.alt_screen {
                    let key = if lines > 0 {
                        TermKey::Up
                    } else {
                        TermKey::Down
                    };
                    let mut bytes = Vec::new();
                    for _ in 0..lines.unsigned_abs() {
                        bytes.extend(
                            encode_key(key, KeyMods::default(), modes.app_cursor)
                                .unwrap_or_default(),
                        );
                    }
                    session.type_bytes(&bytes);
                } else if let Ok(mut s) = session.screen.try_lock() {
                    s.scroll(lines);
                    session.text_stale = true;
                }
            }
        }
    }
    let focused = response.has_focus();
    if focused {
        ui.memory_mut(|m| {
            m.set_focus_lock_filter(
                id,
                egui::EventFilter {
                    tab: true,
                    horizontal_arrows: true,
                    vertical_arrows: true,
                    escape: true,
                },
            );
        });
        keyboard(ui, session, &mut out);
    }
    draw(ui, session, rect, &font, row_h, col_w, focused);
    // What a screen reader reads: the screen's text without the frames of ANSI art, and the
    // new lines as they arrive (a polite live region).
    // Under a stream of output the text is made again a few times a second, not in every
    // frame; a frame is asked for when the last change is still to be read.
    if session.text_stale {
        let since = session.text_made.elapsed();
        if since >= TEXT_EVERY {
            session.refresh_text();
        } else {
            ui.ctx()
                .request_repaint_after(TEXT_EVERY.saturating_sub(since));
        }
    }
    let text = session.readable.clone();
    response.widget_info(|| egui::WidgetInfo::labeled(egui::Role::Terminal, true, text.clone()));
    let live = ui.make_persistent_id(("terminal-news", session.id));
    let announcement = session.announcement.clone();
    ui.ctx().accesskit_node_builder(live, |node| {
        node.set_role(egui::accesskit::Role::Log);
        node.set_live(egui::accesskit::Live::Polite);
        node.set_label("New lines");
        node.set_value(announcement);
    });
    out
}

/// Copy, Paste and Select all on a right click (unless the host has the mouse).
fn context_menu(
    response: &egui::Response,
    session: &mut Session,
    out: &mut ViewOutput,
    id: egui::Id,
) {
    response.context_menu(|ui| {
        let selected = session
            .screen
            .try_lock()
            .ok()
            .and_then(|s| s.selected_text());
        if ui
            .add_enabled(selected.is_some(), egui::Button::new("Copy"))
            .clicked()
        {
            out.copy = selected;
            ui.close();
        }
        if ui.button("Paste").clicked() {
            ui.ctx()
                .send_viewport_cmd(egui::ViewportCommand::RequestPaste);
            ui.memory_mut(|m| m.request_focus(id));
            ui.close();
        }
        if ui.button("Select all").clicked() {
            if let Ok(mut s) = session.screen.try_lock() {
                s.select_all();
            }
            ui.close();
        }
    });
}

/// Presses, releases and moves over the screen as reports for the host (which asked for
/// them): a press on the screen, its release wherever it happens, moves from cell to cell.
fn report_mouse(
    ui: &egui::Ui,
    rect: egui::Rect,
    on_cell: &dyn Fn(egui::Pos2) -> (usize, usize),
    modes: crate::terminal::Modes,
    session: &mut Session,
) {
    let mut bytes = Vec::new();
    let mut report = |session: &mut Session,
                      button: Option<MouseButton>,
                      kind: MouseAction,
                      pos: egui::Pos2,
                      mods: egui::Modifiers| {
        let (row, col) = on_cell(pos);
        session.mouse_cell = Some((row, col));
        let event = MouseEvent {
            button,
            kind,
            row,
            col,
            shift: mods.shift,
            alt: mods.alt,
            ctrl: mods.ctrl,
        };
        bytes.extend(encode_mouse(event, modes.mouse, modes.mouse_encoding).unwrap_or_default());
    };
    for event in ui.input(|i| i.events.clone()) {
        match event {
            egui::Event::PointerButton {
                pos,
                button,
                pressed,
                modifiers,
            } => {
                let button = match button {
                    egui::PointerButton::Primary => MouseButton::Left,
                    egui::PointerButton::Middle => MouseButton::Middle,
                    egui::PointerButton::Secondary => MouseButton::Right,
                    _ => continue,
                };
                if pressed && rect.contains(pos) {
                    session.mouse_held = Some(button);
                    report(session, Some(button), MouseAction::Press, pos, modifiers);
                } else if !pressed && session.mouse_held == Some(button) {
                    session.mouse_held = None;
                    report(session, Some(button), MouseAction::Release, pos, modifiers);
                }
            }
            egui::Event::PointerMoved(pos) => {
                let held = session.mouse_held;
                if (held.is_none() && !rect.contains(pos))
                    || session.mouse_cell == Some(on_cell(pos))
                {
                    continue;
                }
                let mods = ui.input(|i| i.modifiers);
                report(session, held, MouseAction::Move, pos, mods);
            }
            _ => {}
        }
    }
    if !bytes.is_empty() {
        session.type_bytes(&bytes);
    }
}

fn keyboard(ui: &egui::Ui, session: &mut Session, out: &mut ViewOutput) {
    // Read once this frame by `show` (the last known ones when the worker held the screen).
    let modes = session.modes;
    let mut bytes = Vec::new();
    // After Alt+key sent ESC and the key, the text event for the same key is not sent again.
    let mut skip_text = false;
    // Keypad presses of this frame, matched to egui's events in order.
    let keypad = crate::ui::keypad::this_frame(ui.ctx());
    let mut keypad = keypad.iter().peekable();
    for event in ui.input(|i| i.events.clone()) {
        match event {
            egui::Event::Text(t) if keypad.peek().is_some_and(|p| p.text.as_ref() == Some(&t)) => {
                let press = keypad.next().map(|p| p.key);
                match press {
                    Some(key) if modes.app_keypad => bytes.extend(encode_keypad_app(key)),
                    _ => bytes.extend_from_slice(t.as_bytes()),
                }
                skip_text = false;
            }
            egui::Event::Key {
                key: egui::Key::Enter,
                pressed: true,
                ..
            } if keypad.peek().is_some_and(|p| p.key == KeypadKey::Enter) => {
                keypad.next();
                if modes.app_keypad {
                    bytes.extend(encode_keypad_app(KeypadKey::Enter));
                } else {
                    bytes.push(b'\r');
                }
            }
            egui::Event::Text(t) if !std::mem::take(&mut skip_text) => {
                bytes.extend_from_slice(t.as_bytes());
            }
            egui::Event::Paste(t) => bytes.extend(encode_paste(&t, modes.bracketed_paste)),
            // Ctrl+C copies when something is selected and interrupts otherwise, as the
            // terminals of other desktops do; Ctrl+X is the control code.
            egui::Event::Copy => {
                let selected = session
                    .screen
                    .try_lock()
                    .ok()
                    .and_then(|s| s.selected_text());
                match selected {
                    Some(text) => {
                        out.copy = Some(text);
                        if let Ok(mut s) = session.screen.try_lock() {
                            s.clear_selection();
                        }
                    }
                    None => bytes.push(0x03),
                }
            }
            egui::Event::Cut => bytes.push(0x18),
            egui::Event::Key {
                key,
                pressed: true,
                modifiers,
                ..
            } => {
                let Some(k) = term_key(key) else { continue };
                let mods = KeyMods {
                    ctrl: modifiers.ctrl,
                    alt: modifiers.alt,
                    shift: modifiers.shift,
                };
                if let Some(b) = encode_key(k, mods, modes.app_cursor) {
                    if matches!(k, TermKey::Char(_)) && mods.alt && !mods.ctrl {
                        skip_text = true;
                    }
                    bytes.extend(b);
                }
            }
            _ => {}
        }
    }
    if !bytes.is_empty() {
        session.bell = false;
        session.type_bytes(&bytes);
    }
}

/// A drawing of the screen's cells, with what it was drawn from.
pub struct Drawn {
    key: DrawKey,
    cells: Vec<egui::Shape>,
    any_blink: bool,
    cursor: Option<(usize, usize)>,
    scrolled_back: usize,
    history_len: usize,
}

/// Everything the drawing of the cells depends on.
#[derive(Clone, Copy, PartialEq)]
struct DrawKey {
    generation: u64,
    rect: egui::Rect,
    cell: (f32, f32),
    blink_hidden: bool,
    atlas: [usize; 2],
    pixels_per_point: f32,
    dark_mode: bool,
}

fn draw(
    ui: &egui::Ui,
    session: &mut Session,
    rect: egui::Rect,
    font: &FontId,
    row_h: f32,
    col_w: f32,
    focused: bool,
) {
    let painter = ui.painter_at(rect);
    let visuals = ui.visuals().clone();
    painter.rect_filled(rect, 0.0, visuals.extreme_bg_color);
    // Blinking text is shown for half a second and hidden for half a second.
    let time = ui.input(|i| i.time);
    let blink_hidden = (time * 2.0).floor() as i64 % 2 == 1;
    // Glyph quads carry texel coordinates of the font atlas; when it grew since the last
    // frame, that frame may have used the old size, so draw once more.
    let atlas = ui.fonts(|f: &egui::epaint::text::FontsView<'_>| f.font_image_size());
    let atlas_id = ui.make_persistent_id("terminal-font-atlas-size");
    if ui.ctx().data(|d| d.get_temp::<[usize; 2]>(atlas_id)) != Some(atlas) {
        ui.ctx().data_mut(|d| d.insert_temp(atlas_id, atlas));
        ui.ctx().request_repaint();
    }
    let screen = session.screen.clone();
    match screen.try_lock() {
        Ok(screen) => {
            let key = DrawKey {
                generation: screen.generation(),
                rect,
                cell: (col_w, row_h),
                blink_hidden,
                atlas,
                pixels_per_point: ui.ctx().pixels_per_point(),
                dark_mode: visuals.dark_mode,
            };
            if session.drawn.as_ref().is_none_or(|d| d.key != key) {
                let (cells, any_blink) =
                    draw_cells(ui, &screen, rect, font, row_h, col_w, blink_hidden, atlas);
                session.fresh_draws += 1;
                session.drawn = Some(Drawn {
                    key,
                    cells,
                    any_blink,
                    cursor: screen.cursor(),
                    scrolled_back: screen.scrolled_back(),
                    history_len: screen.history_len(),
                });
            }
        }
        // The worker is feeding the screen: the last drawing stands for this frame.
        Err(_) => ui.ctx().request_repaint(),
    }
    let Some(drawn) = &session.drawn else { return };
    painter.extend(drawn.cells.iter().cloned());
    if drawn.any_blink {
        // Only while something on the screen blinks: an idle screen stays without frames.
        // The next half second, when the blinking text shows or hides again.
        let next = 0.5 - time.rem_euclid(0.5);
        ui.ctx()
            .request_repaint_after(std::time::Duration::from_secs_f64(next.max(0.01)));
    }
    if let Some((row, col)) = drawn.cursor
        && session.is_open()
    {
        let at = rect.min + egui::vec2(col as f32 * col_w, row as f32 * row_h);
        let cursor = egui::Rect::from_min_size(at, egui::vec2(col_w, row_h));
        if focused {
            painter.rect_filled(cursor, 0.0, visuals.text_color().gamma_multiply(0.5));
        } else {
            painter.rect_stroke(
                cursor,
                0.0,
                egui::Stroke::new(1.0, visuals.text_color()),
                egui::StrokeKind::Inside,
            );
        }
    }
    if drawn.scrolled_back > 0 {
        let note = format!(
            "↑ {} of {} lines back",
            drawn.scrolled_back, drawn.history_len
        );
        let galley = painter.layout_no_wrap(
            note,
            FontId::proportional(12.0),
            visuals.strong_text_color(),
        );
        let at = egui::pos2(rect.right() - galley.size().x - 8.0, rect.top() + 4.0);
        painter.rect_filled(
            egui::Rect::from_min_size(at, galley.size()).expand(3.0),
            3.0,
            visuals.faint_bg_color,
        );
        painter.galley(at, galley, visuals.strong_text_color());
    }
}

/// The cells of the screen as shapes: backgrounds, glyphs, box drawing, lines. Also says
/// whether anything on it blinks.
#[allow(clippy::too_many_arguments)]
fn draw_cells(
    ui: &egui::Ui,
    screen: &crate::terminal::Screen,
    rect: egui::Rect,
    font: &FontId,
    row_h: f32,
    col_w: f32,
    blink_hidden: bool,
    atlas: [usize; 2],
) -> (Vec<egui::Shape>, bool) {
    let visuals = ui.visuals();
    let selection = screen.selection();
    let mut any_blink = false;
    let selected_bg = visuals.selection.bg_fill;
    let ppp = ui.ctx().pixels_per_point();
    let mut grid = GridMesh::new(rect.min, col_w, row_h, ppp, atlas);
    let default_bg = visuals.extreme_bg_color;
    ui.fonts_mut(|fonts| {
        for row in 0..screen.rows() {
            // Backgrounds go in runs of one colour, not a rectangle per cell.
            let mut run: Option<(usize, usize, Color32)> = None;
            for (col, cell) in screen.row_cells(row) {
                // Bold text in one of the eight base colours is drawn in its bright variant,
                // as BBS art expects.
                let fg_color = match cell.fg {
                    Color::Named(n) if cell.flags.contains(Flags::BOLD) && (n as usize) < 8 => {
                        Color::Indexed(n as u8 + 8)
                    }
                    other => other,
                };
                let (mut fg, mut bg) = (
                    color_of(fg_color, true, visuals),
                    color_of(cell.bg, false, visuals),
                );
                if cell.flags.contains(Flags::INVERSE) {
                    std::mem::swap(&mut fg, &mut bg);
                }
                if cell.flags.contains(Flags::DIM) {
                    fg = fg.gamma_multiply(0.6);
                }
                if cell.flags.contains(Flags::HIDDEN) {
                    fg = bg;
                }
                if crate::terminal::blinks(cell) {
                    any_blink = true;
                    if blink_hidden {
                        fg = bg;
                    }
                }
                if selection
                    .as_ref()
                    .is_some_and(|r| screen.in_selection(r, row, col))
                {
                    bg = selected_bg;
                }
                let width = if cell.flags.contains(Flags::WIDE_CHAR) {
                    2
                } else {
                    1
                };
                match &mut run {
                    Some((_, end, colour)) if *colour == bg && *end == col => *end = col + width,
                    _ => {
                        if let Some((start, end, colour)) = run.take()
                            && colour != default_bg
                        {
                            grid.background(grid.cells(row, start, end - start), colour);
                        }
                        run = Some((col, col + width, bg));
                    }
                }
                if fg == bg {
                    continue;
                }
                let rect = grid.cells(row, col, width);
                if cell.flags.intersects(Flags::ALL_UNDERLINES) {
                    let y = rect.bottom() - 2.0;
                    grid.fill(egui::Rect::from_x_y_ranges(rect.x_range(), y..=y + 1.0), fg);
                }
                if cell.flags.contains(Flags::STRIKEOUT) {
                    let y = rect.center().y.round();
                    grid.fill(egui::Rect::from_x_y_ranges(rect.x_range(), y..=y + 1.0), fg);
                }
                if box_drawing::draw(&mut grid, rect, cell.c, fg) {
                    continue;
                }
                let italic = cell.flags.contains(Flags::ITALIC);
                match own_glyph(cell.c) {
                    Some((glyph, scale)) => {
                        let small = FontId::monospace(font.size * scale);
                        grid.glyph(fonts, row, col, glyph, italic, &small, fg);
                    }
                    None => grid.glyph(fonts, row, col, cell.c, italic, font, fg),
                }
            }
            if let Some((start, end, colour)) = run
                && colour != default_bg
            {
                grid.background(grid.cells(row, start, end - start), colour);
            }
        }
    });
    (grid.into_shapes().collect(), any_blink)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every CP437 character is drawn: box drawing and blocks as shapes, the rest from the
    /// fonts the window always has (so ANSI art needs no font installed on the desktop).
    #[test]
    fn every_cp437_character_can_be_drawn() {
        let ctx = egui::Context::default();
        ctx.run_ui(egui::RawInput::default(), |_| {})
            .drop_without_applying_deltas();
        let font = FontId::monospace(14.0);
        let mut d = crate::terminal::Decoder::new(crate::terminal::ScreenCharset::Cp437);
        let mut text = Vec::new();
        d.decode(&(0x80..=0xffu8).collect::<Vec<_>>(), &mut text);
        let missing: String = String::from_utf8(text)
            .expect("utf8")
            .chars()
            .filter(|&c| {
                !box_drawing::is_drawn(c)
                    && own_glyph(c).is_none()
                    && !ctx.fonts_mut(|f| f.has_glyph(&font, c))
            })
            .collect();
        assert_eq!(missing, "", "CP437 characters with no glyph");
    }

    #[test]
    fn keys_map_to_terminal_keys_and_colours_to_xterm() {
        assert_eq!(term_key(egui::Key::ArrowUp), Some(TermKey::Up));
        assert_eq!(term_key(egui::Key::F10), Some(TermKey::F(10)));
        assert_eq!(term_key(egui::Key::C), Some(TermKey::Char('C')));
        assert_eq!(indexed(196), Color32::from_rgb(255, 0, 0));
        assert_eq!(indexed(232), Color32::from_rgb(8, 8, 8));
    }
}
