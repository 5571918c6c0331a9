//! Box drawing, blocks and shades drawn as shapes on the cell grid instead of font glyphs:
//! the fallback fonts draw them thin, narrow or not at all, and ANSI art needs every line to
//! meet its neighbour. What terminals such as kitty and alacritty also do.

use egui::{Color32, Rect, Shape, Stroke, vec2};

use super::grid_mesh::GridMesh;

/// The four arms of each character from U+2500 to U+257F: up, right, down, left, with
/// 0 for none, 1 light, 2 heavy, 3 double. Made from the Unicode character names.
const ARMS: [[u8; 4]; 128] = [
    [0, 1, 0, 1], // ─
    [0, 2, 0, 2], // ━
    [1, 0, 1, 0], // │
    [2, 0, 2, 0], // ┃
    [0, 1, 0, 1], // ┄
    [0, 2, 0, 2], // ┅
    [1, 0, 1, 0], // ┆
    [2, 0, 2, 0], // ┇
    [0, 1, 0, 1], // ┈
    [0, 2, 0, 2], // ┉
    [1, 0, 1, 0], // ┊
    [2, 0, 2, 0], // ┋
    [0, 1, 1, 0], // ┌
    [0, 2, 1, 0], // ┍
    [0, 1, 2, 0], // ┎
    [0, 2, 2, 0], // ┏
    [0, 0, 1, 1], // ┐
    [0, 0, 1, 2], // ┑
    [0, 0, 2, 1], // ┒
    [0, 0, 2, 2], // ┓
    [1, 1, 0, 0], // └
    [1, 2, 0, 0], // ┕
    [2, 1, 0, 0], // ┖
    [2, 2, 0, 0], // ┗
    [1, 0, 0, 1], // ┘
    [1, 0, 0, 2], // ┙
    [2, 0, 0, 1], // ┚
    [2, 0, 0, 2], // ┛
    [1, 1, 1, 0], // ├
    [1, 2, 1, 0], // ┝
    [2, 1, 1, 0], // ┞
    [1, 1, 2, 0], // ┟
    [2, 1, 2, 0], // ┠
    [2, 2, 1, 0], // ┡
    [1, 2, 2, 0], // ┢
    [2, 2, 2, 0], // ┣
    [1, 0, 1, 1], // ┤
    [1, 0, 1, 2], // ┥
    [2, 0, 1, 1], // ┦
    [1, 0, 2, 1], // ┧
    [2, 0, 2, 1], // ┨
    [2, 0, 1, 2], // ┩
    [1, 0, 2, 2], // ┪
    [2, 0, 2, 2], // ┫
    [0, 1, 1, 1], // ┬
    [0, 1, 1, 2], // ┭
    [0, 2, 1, 1], // ┮
    [0, 2, 1, 2], // ┯
    [0, 1, 2, 1], // ┰
    [0, 1, 2, 2], // ┱
    [0, 2, 2, 1], // ┲
    [0, 2, 2, 2], // ┳
    [1, 1, 0, 1], // ┴
    [1, 1, 0, 2], // ┵
    [1, 2, 0, 1], // ┶
    [1, 2, 0, 2], // ┷
    [2, 1, 0, 1], // ┸
    [2, 1, 0, 2], // ┹
    [2, 2, 0, 1], // ┺
    [2, 2, 0, 2], // ┻
    [1, 1, 1, 1], // ┼
    [1, 1, 1, 2], // ┽
    [1, 2, 1, 1], // ┾
    [1, 2, 1, 2], // ┿
    [2, 1, 1, 1], // ╀
    [1, 1, 2, 1], // ╁
    [2, 1, 2, 1], // ╂
    [2, 1, 1, 2], // ╃
    [2, 2, 1, 1], // ╄
    [1, 1, 2, 2], // ╅
    [1, 2, 2, 1], // ╆
    [2, 2, 1, 2], // ╇
    [1, 2, 2, 2], // ╈
    [2, 1, 2, 2], // ╉
    [2, 2, 2, 1], // ╊
    [2, 2, 2, 2], // ╋
    [0, 1, 0, 1], // ╌
    [0, 2, 0, 2], // ╍
    [1, 0, 1, 0], // ╎
    [2, 0, 2, 0], // ╏
    [0, 3, 0, 3], // ═
    [3, 0, 3, 0], // ║
    [0, 3, 1, 0], // ╒
    [0, 1, 3, 0], // ╓
    [0, 3, 3, 0], // ╔
    [0, 0, 1, 3], // ╕
    [0, 0, 3, 1], // ╖
    [0, 0, 3, 3], // ╗
    [1, 3, 0, 0], // ╘
    [3, 1, 0, 0], // ╙
    [3, 3, 0, 0], // ╚
    [1, 0, 0, 3], // ╛
    [3, 0, 0, 1], // ╜
    [3, 0, 0, 3], // ╝
    [1, 3, 1, 0], // ╞
    [3, 1, 3, 0], // ╟
    [3, 3, 3, 0], // ╠
    [1, 0, 1, 3], // ╡
    [3, 0, 3, 1], // ╢
    [3, 0, 3, 3], // ╣
    [0, 3, 1, 3], // ╤
    [0, 1, 3, 1], // ╥
    [0, 3, 3, 3], // ╦
    [1, 3, 0, 3], // ╧
    [3, 1, 0, 1], // ╨
    [3, 3, 0, 3], // ╩
    [1, 3, 1, 3], // ╪
    [3, 1, 3, 1], // ╫
    [3, 3, 3, 3], // ╬
    [0, 1, 1, 0], // ╭
    [0, 0, 1, 1], // ╮
    [1, 0, 0, 1], // ╯
    [1, 1, 0, 0], // ╰
    [0, 0, 0, 0], // ╱ light diagonal upper right to lower left (drawn as a diagonal)
    [0, 0, 0, 0], // ╲ light diagonal upper left to lower right (drawn as a diagonal)
    [0, 0, 0, 0], // ╳ light diagonal cross (drawn as a diagonal)
    [0, 0, 0, 1], // ╴
    [1, 0, 0, 0], // ╵
    [0, 1, 0, 0], // ╶
    [0, 0, 1, 0], // ╷
    [0, 0, 0, 2], // ╸
    [2, 0, 0, 0], // ╹
    [0, 2, 0, 0], // ╺
    [0, 0, 2, 0], // ╻
    [0, 2, 0, 1], // ╼
    [1, 0, 2, 0], // ╽
    [0, 1, 0, 2], // ╾
    [2, 0, 1, 0], // ╿
];

/// Whether [`draw`] draws `c` itself.
#[cfg(test)]
pub fn is_drawn(c: char) -> bool {
    crate::terminal::is_drawing(c)
}

/// Draws `c` into the cell `cell` in `color`; false if it is not one of ours.
/// The shapes go to `out`, so a screen of art is handed to the painter at once.
pub fn draw(out: &mut GridMesh, cell: Rect, c: char, color: Color32) -> bool {
    let code = u32::from(c);
    match code {
        0x2571..=0x2573 => {
            let stroke = Stroke::new(light_width(cell), color);
            if code != 0x2572 {
                out.stroke(Shape::line_segment(
                    [cell.left_bottom(), cell.right_top()],
                    stroke,
                ));
            }
            if code != 0x2571 {
                out.stroke(Shape::line_segment(
                    [cell.left_top(), cell.right_bottom()],
                    stroke,
                ));
            }
            true
        }
        0x2500..=0x257f => {
            lines(out, cell, ARMS[(code - 0x2500) as usize], color);
            true
        }
        0x2580..=0x259f => {
            blocks(out, cell, code, color);
            true
        }
        _ => false,
    }
}

fn light_width(cell: Rect) -> f32 {
    (cell.width() / 8.0).clamp(1.0, 2.0).round()
}

fn lines(out: &mut GridMesh, cell: Rect, arms: [u8; 4], color: Color32) {
    let c = cell.center();
    let light = light_width(cell);
    let heavy = light * 2.0;
    // Double lines run this far either side of the centre line.
    let gap = (cell.width() / 5.0).max(2.0).round();
    let [up, right, down, left] = arms;
    // How far an arm reaches into the centre, so corners and joints close without gaps.
    let reach = |crossing: u8| match crossing {
        3 => gap + light / 2.0,
        2 => heavy / 2.0,
        1 => light / 2.0,
        _ => 0.0,
    };
    let (across_h, across_v) = (up.max(down), left.max(right));
    // Each arm runs from the cell's edge to a little past the centre; a double one is two
    // light lines either side of where a single one would be.
    for (w, dir, half, crossing) in [
        (up, vec2(0.0, -1.0), cell.height() / 2.0, across_v),
        (right, vec2(1.0, 0.0), cell.width() / 2.0, across_h),
        (down, vec2(0.0, 1.0), cell.height() / 2.0, across_v),
        (left, vec2(-1.0, 0.0), cell.width() / 2.0, across_h),
    ] {
        if w == 0 {
            continue;
        }
        let (end, inner) = (c + dir * half, c - dir * reach(crossing));
        let width = if w == 2 { heavy } else { light };
        // Arms are straight: filled rectangles in the grid's mesh, not strokes.
        let across = vec2(dir.y.abs(), dir.x.abs());
        let bar = |offset: egui::Vec2, width: f32| {
            Rect::from_two_pos(end + offset, inner + offset).expand2(across * (width / 2.0))
        };
        if w == 3 {
            out.fill(bar(-across * gap, light), color);
            out.fill(bar(across * gap, light), color);
        } else {
            out.fill(bar(egui::Vec2::ZERO, width), color);
        }
    }
}

fn blocks(out: &mut GridMesh, cell: Rect, code: u32, color: Color32) {
    let part = |x0: f32, y0: f32, x1: f32, y1: f32| {
        Rect::from_min_max(
            cell.min + vec2(cell.width() * x0, cell.height() * y0),
            cell.min + vec2(cell.width() * x1, cell.height() * y1),
        )
    };
    let eighth = |n: u32| n as f32 / 8.0;
    let mut fill = |r: Rect, color: Color32| out.fill(r, color);
    match code {
        0x2580 => fill(part(0.0, 0.0, 1.0, 0.5), color),
        0x2581..=0x2588 => fill(part(0.0, 1.0 - eighth(code - 0x2580), 1.0, 1.0), color),
        0x2589..=0x258f => fill(part(0.0, 0.0, eighth(0x2590 - code), 1.0), color),
        0x2590 => fill(part(0.5, 0.0, 1.0, 1.0), color),
        // Shades: the colour at a quarter, half and three quarters over the background.
        0x2591..=0x2593 => {
            let alpha = [0.25, 0.5, 0.75][(code - 0x2591) as usize];
            fill(cell, color.gamma_multiply(alpha));
        }
        0x2594 => fill(part(0.0, 0.0, 1.0, 0.125), color),
        0x2595 => fill(part(0.875, 0.0, 1.0, 1.0), color),
        _ => {
            // Quadrants: upper left 1, upper right 2, lower left 4, lower right 8.
            const QUADS: [u8; 10] = [
                4,
                8,
                1,
                1 | 4 | 8,
                1 | 8,
                1 | 2 | 4,
                1 | 2 | 8,
                2,
                2 | 4,
                2 | 4 | 8,
            ];
            let q = QUADS[((code - 0x2596) as usize).min(9)];
            for (bit, (x, y)) in [
                (1, (0.0, 0.0)),
                (2, (0.5, 0.0)),
                (4, (0.0, 0.5)),
                (8, (0.5, 0.5)),
            ] {
                if q & bit != 0 {
                    fill(part(x, y, x + 0.5, y + 0.5), color);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_reads_as_the_names_say() {
        let arms = |c: char| ARMS[(u32::from(c) - 0x2500) as usize];
        assert_eq!(arms('─'), [0, 1, 0, 1]);
        assert_eq!(arms('╔'), [0, 3, 3, 0]);
        assert_eq!(arms('┿'), [1, 2, 1, 2]);
        assert_eq!(arms('╽'), [1, 0, 2, 0]);
        assert_eq!(arms('╡'), [1, 0, 1, 3]);
        assert!(is_drawn('█') && is_drawn('░') && !is_drawn('■'));
    }
}
