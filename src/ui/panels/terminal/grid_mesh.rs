//! The terminal's cells as two meshes, built straight from the cell grid: backgrounds, then
//! glyphs, box drawing and lines. A terminal is a grid of one font, so it needs no text
//! layout: each glyph is laid out once (egui keeps it in its galley cache) and its quad is
//! copied onto every cell that shows it. Laying out and shaping every changed row instead
//! cost most of a frame under continuous output.

use std::collections::HashMap;
use std::sync::Arc;

use egui::emath::GuiRounding as _;
use egui::epaint::{Mesh, Vertex};
use egui::text::LayoutJob;
use egui::{Color32, FontId, Galley, Pos2, Rect, Shape, TextFormat, vec2};

/// A glyph laid out on its own, and whether it keeps its own colours (an emoji).
#[derive(Clone)]
struct Glyph {
    galley: Arc<Galley>,
    coloured: bool,
}

/// What a glyph is looked up by: the character, whether it is italic, and the font size.
type GlyphKey = (char, bool, u32);

/// Builds the meshes of one frame.
pub struct GridMesh {
    origin: Pos2,
    col_w: f32,
    row_h: f32,
    pixels_per_point: f32,
    uv_scale: egui::Vec2,
    back: Mesh,
    front: Mesh,
    /// Shapes that are not axis-aligned rectangles (diagonal box drawing).
    strokes: Vec<Shape>,
    glyphs: HashMap<GlyphKey, Option<Glyph>>,
}

impl GridMesh {
    /// `font_image_size` is the font atlas's size now: glyph quads carry texel coordinates.
    pub fn new(
        origin: Pos2,
        col_w: f32,
        row_h: f32,
        pixels_per_point: f32,
        font_image_size: [usize; 2],
    ) -> GridMesh {
        GridMesh {
            origin,
            col_w,
            row_h,
            pixels_per_point,
            uv_scale: vec2(
                1.0 / font_image_size[0].max(1) as f32,
                1.0 / font_image_size[1].max(1) as f32,
            ),
            back: Mesh::default(),
            front: Mesh::default(),
            strokes: Vec::new(),
            glyphs: HashMap::new(),
        }
    }

    /// The rectangle of `cells` cells starting at (`row`, `col`).
    pub fn cells(&self, row: usize, col: usize, cells: usize) -> Rect {
        Rect::from_min_size(
            self.origin + vec2(col as f32 * self.col_w, row as f32 * self.row_h),
            vec2(cells as f32 * self.col_w, self.row_h),
        )
    }

    /// A background run.
    pub fn background(&mut self, rect: Rect, color: Color32) {
        self.back.add_colored_rect(rect, color);
    }

    /// A filled rectangle in front of the backgrounds (box drawing, underlines).
    pub fn fill(&mut self, rect: Rect, color: Color32) {
        self.front.add_colored_rect(rect, color);
    }

    /// Any other shape, drawn after the meshes.
    pub fn stroke(&mut self, shape: Shape) {
        self.strokes.push(shape);
    }

    /// Places `c` on the cell at (`row`, `col`) in `color`, laid out in `font` (once per
    /// frame for each character).
    #[allow(clippy::too_many_arguments)]
    pub fn glyph(
        &mut self,
        fonts: &mut egui::epaint::text::FontsView<'_>,
        row: usize,
        col: usize,
        c: char,
        italic: bool,
        font: &FontId,
        color: Color32,
    ) {
        let glyph = self
            .glyphs
            .entry((c, italic, font.size.to_bits()))
            .or_insert_with(|| lay_out(fonts, c, italic, font));
        let Some(glyph) = glyph else { return };
        let cell = (self.origin + vec2(col as f32 * self.col_w, row as f32 * self.row_h))
            .round_to_pixels(self.pixels_per_point);
        for placed in &glyph.galley.rows {
            let mesh = &placed.row.visuals.mesh;
            if mesh.is_empty() {
                continue;
            }
            let at = cell + placed.pos.to_vec2();
            let base = self.front.vertices.len() as u32;
            self.front
                .indices
                .extend(mesh.indices.iter().map(|i| i + base));
            let uv_scale = self.uv_scale;
            self.front
                .vertices
                .extend(mesh.vertices.iter().map(|v| Vertex {
                    pos: at + v.pos.to_vec2(),
                    uv: Pos2::new(v.uv.x * uv_scale.x, v.uv.y * uv_scale.y),
                    color: if glyph.coloured { v.color } else { color },
                }));
        }
    }

    /// The shapes to paint, in order.
    pub fn into_shapes(self) -> impl Iterator<Item = Shape> {
        [Shape::mesh(self.back), Shape::mesh(self.front)]
            .into_iter()
            .chain(self.strokes)
    }
}

fn lay_out(
    fonts: &mut egui::epaint::text::FontsView<'_>,
    c: char,
    italic: bool,
    font: &FontId,
) -> Option<Glyph> {
    if c == ' ' || c.is_control() {
        return None;
    }
    let mut job = LayoutJob::default();
    let mut buf = [0u8; 4];
    job.append(
        c.encode_utf8(&mut buf),
        0.0,
        TextFormat {
            font_id: font.clone(),
            color: Color32::WHITE,
            italics: italic,
            ..TextFormat::default()
        },
    );
    let galley = fonts.layout_job(job);
    let coloured = galley
        .rows
        .iter()
        .any(|r| r.row.glyphs.iter().any(|g| g.is_color));
    Some(Glyph { galley, coloured })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_glyph_lands_on_its_cell_in_its_colour() {
        let ctx = egui::Context::default();
        ctx.run_ui(egui::RawInput::default(), |_| {})
            .drop_without_applying_deltas();
        let font = FontId::monospace(14.0);
        let red = Color32::from_rgb(255, 0, 0);
        let size = ctx.fonts(|f: &egui::epaint::text::FontsView<'_>| f.font_image_size());
        let mut grid = GridMesh::new(Pos2::new(10.0, 20.0), 8.0, 16.0, 1.0, size);
        ctx.fonts_mut(|fonts| {
            grid.glyph(fonts, 2, 3, 'A', false, &font, red);
            grid.glyph(fonts, 0, 0, ' ', false, &font, red);
        });
        grid.background(grid.cells(1, 0, 4), Color32::BLUE);
        let cell = grid.cells(2, 3, 1);
        let shapes: Vec<Shape> = grid.into_shapes().collect();
        let Shape::Mesh(front) = &shapes[1] else {
            panic!("the glyphs' mesh")
        };
        assert!(
            !front.vertices.is_empty(),
            "the A has a quad; the space none"
        );
        assert!(front.vertices.iter().all(|v| v.color == red));
        let bounds = front.calc_bounds();
        assert!(
            cell.expand(1.0).contains_rect(bounds),
            "{bounds:?} in {cell:?}"
        );
        assert!(
            front
                .vertices
                .iter()
                .all(|v| v.uv.x <= 1.0 && v.uv.y <= 1.0),
            "normalised texture coordinates"
        );
        let Shape::Mesh(back) = &shapes[0] else {
            panic!("the backgrounds' mesh")
        };
        assert_eq!(
            back.calc_bounds(),
            Rect::from_min_size(Pos2::new(10.0, 36.0), vec2(32.0, 16.0))
        );
    }
}
