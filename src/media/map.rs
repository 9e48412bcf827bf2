//! The building map as a PNG: floors as rows (the top floor on top), the
//! rooms of each entrance as columns, each household coloured by what needs
//! care and marked when it has an open request, a visit overdue or an open
//! check-in alert. The caller decides what a reader may see: a sensitive
//! need the reader may not know of is never passed here.

use std::collections::BTreeSet;
use std::io::Cursor;

use image::{ImageFormat, Rgb, RgbImage};

use super::chart::{Canvas, Style};
use super::{MediaError, font};

const MARGIN: u32 = 32;
const TITLE_HEIGHT: u32 = 64;
const FLOOR_LABEL_WIDTH: u32 = 72;
const ENTRANCE_HEADER: u32 = 44;
pub const CELL_WIDTH: u32 = 120;
pub const CELL_HEIGHT: u32 = 72;
const CELL_GAP: u32 = 6;
const ENTRANCE_GAP: u32 = 24;
const LEGEND_ROW: u32 = 44;
const MARK: u32 = 16;
/// A building taller or wider than this would make an image Telegram does
/// not take as a photo (width plus height at most 10,000 px).
const MAX_FLOORS: u16 = 40;
const MAX_COLUMNS: usize = 40;

const BACKGROUND: Rgb<u8> = Rgb([255, 255, 255]);
const TEXT: Rgb<u8> = Rgb([31, 41, 51]);
const MUTED: Rgb<u8> = Rgb([82, 96, 109]);
const EMPTY_SLOT: Rgb<u8> = Rgb([236, 239, 242]);
const REQUEST_MARK: Rgb<u8> = Rgb([37, 99, 235]);
const OVERDUE_MARK: Rgb<u8> = Rgb([124, 58, 237]);
const ALERT_MARK: Rgb<u8> = Rgb([17, 17, 17]);

/// What a household needs, the most pressing first; it chooses the colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Care {
    ElderlyAlone,
    /// Disability or chronic illness (sensitive).
    Health,
    EmptyNest,
    /// Any other tag.
    Other,
    Vacant,
    Nothing,
}

impl Care {
    pub const ALL: [Care; 6] =
        [Care::ElderlyAlone, Care::Health, Care::EmptyNest, Care::Other, Care::Vacant, Care::Nothing];

    pub fn color(self) -> Rgb<u8> {
        match self {
            Care::ElderlyAlone => Rgb([220, 38, 38]),
            Care::Health => Rgb([234, 128, 28]),
            Care::EmptyNest => Rgb([234, 196, 53]),
            Care::Other => Rgb([125, 176, 222]),
            Care::Vacant => Rgb([156, 163, 175]),
            Care::Nothing => Rgb([187, 222, 190]),
        }
    }
}

/// One household on the map.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cell {
    pub entrance: u16,
    pub floor: u16,
    pub position: u16,
    pub label: String,
    pub care: Care,
    pub open_request: bool,
    pub visit_overdue: bool,
    pub alert_open: bool,
}

/// The map: a title, the households, and the legend's words for each colour
/// and mark (in the reader's language).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuildingMap {
    pub title: String,
    pub cells: Vec<Cell>,
    pub care_names: Vec<(Care, String)>,
    pub floor_label: String,
    pub entrance_label: String,
    pub mark_names: [String; 3],
}

/// Where each column of rooms is: entrances left to right, rooms in order.
fn columns(cells: &[Cell]) -> Vec<(u16, u16)> {
    cells.iter().map(|c| (c.entrance, c.position)).collect::<BTreeSet<_>>().into_iter().collect()
}

fn floors(cells: &[Cell]) -> u16 {
    cells.iter().map(|c| c.floor).max().unwrap_or(1)
}

/// The top-left corner of the cell of `(entrance, position)` on `floor`.
pub fn cell_origin(map: &BuildingMap, entrance: u16, position: u16, floor: u16) -> Option<(u32, u32)> {
    let columns = columns(&map.cells);
    let index = columns.iter().position(|c| *c == (entrance, position))?;
    let entrances_before = columns[..index].iter().map(|c| c.0).collect::<BTreeSet<_>>().len() as u32;
    let entrances_before = if columns[index].0 == columns[0].0 { 0 } else { entrances_before };
    let x = MARGIN + FLOOR_LABEL_WIDTH + index as u32 * (CELL_WIDTH + CELL_GAP) + entrances_before * ENTRANCE_GAP;
    let row = u32::from(floors(&map.cells).checked_sub(floor)?);
    let y = MARGIN + TITLE_HEIGHT + ENTRANCE_HEADER + row * (CELL_HEIGHT + CELL_GAP);
    Some((x, y))
}

/// The image's width and height.
pub fn size(map: &BuildingMap) -> (u32, u32) {
    let columns = columns(&map.cells);
    let entrances = columns.iter().map(|c| c.0).collect::<BTreeSet<_>>().len().max(1) as u32;
    let grid_width = columns.len() as u32 * (CELL_WIDTH + CELL_GAP) + (entrances - 1) * ENTRANCE_GAP;
    let width = (2 * MARGIN + FLOOR_LABEL_WIDTH + grid_width).max(720);
    let grid_height = u32::from(floors(&map.cells)) * (CELL_HEIGHT + CELL_GAP);
    let legend = (map.care_names.len() as u32).div_ceil(3) * LEGEND_ROW + LEGEND_ROW;
    (width, 2 * MARGIN + TITLE_HEIGHT + ENTRANCE_HEADER + grid_height + MARGIN + legend)
}

pub fn building_map_png(map: &BuildingMap) -> Result<Vec<u8>, MediaError> {
    let columns = columns(&map.cells);
    if floors(&map.cells) > MAX_FLOORS || columns.len() > MAX_COLUMNS {
        return Err(MediaError::TooBig {
            floors: usize::from(floors(&map.cells)),
            columns: columns.len(),
            max: MAX_COLUMNS,
        });
    }
    let (width, height) = size(map);
    let mut canvas = Canvas { image: RgbImage::from_pixel(width, height, BACKGROUND), font: font()? };
    let inner = (width - 2 * MARGIN) as f32;
    canvas.text(&map.title, Style { em: 40.0, color: TEXT }, MARGIN as f32, MARGIN, TITLE_HEIGHT, inner);
    let label = Style { em: 26.0, color: MUTED };
    let entrances: BTreeSet<u16> = columns.iter().map(|c| c.0).collect();
    if entrances.len() > 1 {
        for entrance in &entrances {
            let first = columns.iter().find(|c| c.0 == *entrance).map_or(1, |c| c.1);
            if let Some((x, y)) = cell_origin(map, *entrance, first, floors(&map.cells)) {
                let text = format!("{entrance}{}", map.entrance_label);
                canvas.text(&text, label, x as f32, y - ENTRANCE_HEADER, ENTRANCE_HEADER, CELL_WIDTH as f32 * 2.0);
            }
        }
    }
    for floor in 1..=floors(&map.cells) {
        for (entrance, position) in &columns {
            let Some((x, y)) = cell_origin(map, *entrance, *position, floor) else { continue };
            if (*entrance, *position) == columns[0] {
                let text = format!("{floor}{}", map.floor_label);
                canvas.text(&text, label, MARGIN as f32, y, CELL_HEIGHT, FLOOR_LABEL_WIDTH as f32 - 8.0);
            }
            let cell = map.cells.iter().find(|c| (c.entrance, c.position, c.floor) == (*entrance, *position, floor));
            let Some(cell) = cell else {
                canvas.fill(x, y, CELL_WIDTH, CELL_HEIGHT, EMPTY_SLOT);
                continue;
            };
            canvas.fill(x, y, CELL_WIDTH, CELL_HEIGHT, cell.care.color());
            let room = Style { em: 26.0, color: TEXT };
            canvas.text(&cell.label, room, (x + 8) as f32, y, CELL_HEIGHT, CELL_WIDTH as f32 - 16.0);
            let marks =
                [(cell.open_request, REQUEST_MARK), (cell.visit_overdue, OVERDUE_MARK), (cell.alert_open, ALERT_MARK)];
            for (slot, (_, color)) in marks.iter().filter(|(on, _)| *on).enumerate() {
                canvas.fill(x + CELL_WIDTH - (slot as u32 + 1) * (MARK + 4), y + 4, MARK, MARK, *color);
            }
        }
    }
    // The legend: a swatch and its name per colour, three to a row, then the
    // marks.
    let legend_top = height - MARGIN - (map.care_names.len() as u32).div_ceil(3) * LEGEND_ROW - LEGEND_ROW;
    let column_width = (width - 2 * MARGIN) / 3;
    let swatches = map.care_names.iter().map(|(care, name)| (care.color(), name));
    let marks = [REQUEST_MARK, OVERDUE_MARK, ALERT_MARK].into_iter().zip(&map.mark_names);
    for (i, (color, name)) in swatches.chain(marks).enumerate() {
        let i = i as u32;
        let row = if i < map.care_names.len() as u32 { i / 3 } else { (map.care_names.len() as u32).div_ceil(3) };
        let slot = if i < map.care_names.len() as u32 { i % 3 } else { i - map.care_names.len() as u32 };
        let x = MARGIN + slot * column_width;
        let y = legend_top + row * LEGEND_ROW;
        canvas.fill(x, y + 12, 20, 20, color);
        canvas.text(name, label, (x + 28) as f32, y, LEGEND_ROW, (column_width - 36) as f32);
    }
    let mut png = Vec::new();
    canvas.image.write_to(&mut Cursor::new(&mut png), ImageFormat::Png)?;
    Ok(png)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cell(entrance: u16, floor: u16, position: u16, care: Care) -> Cell {
        Cell {
            entrance,
            floor,
            position,
            label: format!("{entrance}-{floor}{position:02}"),
            care,
            open_request: false,
            visit_overdue: false,
            alert_open: false,
        }
    }

    fn map(cells: Vec<Cell>) -> BuildingMap {
        BuildingMap {
            title: "E01 楼栋图".into(),
            cells,
            care_names: Care::ALL.iter().map(|c| (*c, format!("{c:?}"))).collect(),
            floor_label: "层".into(),
            entrance_label: "单元".into(),
            mark_names: ["诉求".into(), "未走访".into(), "报平安".into()],
        }
    }

    #[test]
    fn floors_are_rows_with_the_top_floor_on_top_and_entrances_apart() {
        let m = map(vec![cell(1, 1, 1, Care::Nothing), cell(1, 6, 2, Care::Nothing), cell(2, 1, 1, Care::Nothing)]);
        let (x1, top) = cell_origin(&m, 1, 1, 6).unwrap();
        let (_, bottom) = cell_origin(&m, 1, 1, 1).unwrap();
        assert_eq!(bottom - top, 5 * (CELL_HEIGHT + CELL_GAP));
        let (x2, _) = cell_origin(&m, 1, 2, 1).unwrap();
        let (x3, _) = cell_origin(&m, 2, 1, 1).unwrap();
        assert_eq!(x2 - x1, CELL_WIDTH + CELL_GAP);
        assert_eq!(x3 - x2, CELL_WIDTH + CELL_GAP + ENTRANCE_GAP, "a gap between entrances");
    }

    #[test]
    fn each_household_has_its_care_colour_and_its_marks() {
        let mut flagged = cell(1, 2, 1, Care::ElderlyAlone);
        flagged.open_request = true;
        flagged.visit_overdue = true;
        let m =
            map(vec![flagged, cell(1, 1, 1, Care::Vacant), cell(1, 1, 2, Care::Health), cell(1, 2, 2, Care::Nothing)]);
        let png = building_map_png(&m).unwrap();
        let image = image::load_from_memory(&png).unwrap().to_rgb8();
        assert_eq!(image.dimensions(), size(&m));
        let at = |entrance, position, floor, dx: u32, dy: u32| {
            let (x, y) = cell_origin(&m, entrance, position, floor).unwrap();
            *image.get_pixel(x + dx, y + dy)
        };
        // A corner away from the room number and the marks.
        let corner = |e, p, f| at(e, p, f, 2, CELL_HEIGHT - 3);
        assert_eq!(corner(1, 1, 2), Care::ElderlyAlone.color());
        assert_eq!(corner(1, 1, 1), Care::Vacant.color());
        assert_eq!(corner(1, 2, 1), Care::Health.color());
        assert_eq!(corner(1, 2, 2), Care::Nothing.color());
        let first_mark = CELL_WIDTH - (MARK + 4) + MARK / 2;
        let second_mark = CELL_WIDTH - 2 * (MARK + 4) + MARK / 2;
        assert_eq!(at(1, 1, 2, first_mark, 4 + MARK / 2), REQUEST_MARK);
        assert_eq!(at(1, 1, 2, second_mark, 4 + MARK / 2), OVERDUE_MARK);
        assert_eq!(at(1, 2, 2, first_mark, 4 + MARK / 2), Care::Nothing.color(), "no mark where nothing is open");
    }

    #[test]
    fn a_building_too_big_for_a_photo_is_refused() {
        let tall: Vec<Cell> = (1..=MAX_FLOORS + 1).map(|f| cell(1, f, 1, Care::Nothing)).collect();
        assert!(building_map_png(&map(tall)).is_err());
    }
}
