// The Teams app's two icons, drawn by the project: a key whose bow is a
// circular "reset" arrow. Run `npx tsx scripts/manifest/icons.ts` to redraw
// manifest/color.png and manifest/outline.png after changing the drawing;
// `npm run manifest` only packs the committed files.
//
// Teams' rules for the two files: the colour icon is 192×192 on a solid (or
// fully transparent) background, with the symbol in roughly the middle 96×96
// so Teams can crop and round it; the outline icon is 32×32, white on a fully
// transparent background, with no padding to speak of (it sits in the app bar
// at that size).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { arc, coverage, disc, pointOnCircle, rect, scaled, triangle, union, type Shape } from './raster';

/** The background of the colour icon; the manifest's accentColor is the same colour (a test holds them together). */
export const BRAND_COLOUR = '#1F5AA6';

export const COLOR_ICON_SIZE = 192;
export const OUTLINE_ICON_SIZE = 32;

const MANIFEST_DIR = join(__dirname, '..', '..', 'manifest');

const degrees = (d: number) => (d * Math.PI) / 180;

/**
 * The key, centred in the unit square. `stroke` is the line width in the
 * same units: the small outline icon needs a relatively heavier line to stay
 * legible at 32 pixels.
 */
export function resetKey(stroke: number): Shape {
  const bow = { x: 0.33, y: 0.5 };
  const radius = 0.17;
  // The bow's arrow runs clockwise from the top right, round the bottom, and
  // ends top left pointing back at where it started: the gap at the top
  // reads as "going round again", and the shaft joins where the stroke is whole.
  const from = degrees(-40);
  const to = degrees(225);
  const end = pointOnCircle(bow, radius, to);
  const outward = { x: Math.cos(to), y: Math.sin(to) };
  const along = { x: -Math.sin(to), y: Math.cos(to) };
  const headHalfWidth = stroke * 1.5;
  const headLength = stroke * 1.9;
  const head = triangle(
    { x: end.x + outward.x * headHalfWidth, y: end.y + outward.y * headHalfWidth },
    { x: end.x - outward.x * headHalfWidth, y: end.y - outward.y * headHalfWidth },
    { x: end.x + along.x * headLength, y: end.y + along.y * headLength },
  );
  const tail = disc(pointOnCircle(bow, radius, from), stroke / 2);

  const shaftStart = bow.x + radius;
  const shaftEnd = 0.86;
  const half = stroke / 2;
  const shaft = rect(shaftStart, bow.y - half, shaftEnd, bow.y + half);
  const tip = rect(shaftEnd - stroke, bow.y, shaftEnd, bow.y + 0.15);
  const tooth = rect(shaftEnd - stroke * 3.2, bow.y, shaftEnd - stroke * 2.2, bow.y + 0.11);

  return union(arc(bow, radius, stroke, from, to), head, tail, shaft, tip, tooth);
}

export function drawColorIcon(): PNG {
  const [r, g, b] = hexToRgb(BRAND_COLOUR);
  const cover = coverage(scaled(resetKey(0.085), 0.8), COLOR_ICON_SIZE, 6);
  const png = new PNG({ width: COLOR_ICON_SIZE, height: COLOR_ICON_SIZE });
  cover.forEach((c, i) => {
    // White over the brand colour, blended by coverage: the icon stays fully opaque.
    png.data[i * 4] = Math.round(r + (255 - r) * c);
    png.data[i * 4 + 1] = Math.round(g + (255 - g) * c);
    png.data[i * 4 + 2] = Math.round(b + (255 - b) * c);
    png.data[i * 4 + 3] = 255;
  });
  return png;
}

export function drawOutlineIcon(): PNG {
  const cover = coverage(scaled(resetKey(0.08), 1.12), OUTLINE_ICON_SIZE, 8);
  const png = new PNG({ width: OUTLINE_ICON_SIZE, height: OUTLINE_ICON_SIZE });
  cover.forEach((c, i) => {
    // Every pixel is white and only alpha varies: Teams recolours the outline
    // icon by its alpha, and a validator that checks "white or transparent"
    // finds nothing else, not even in the anti-aliased edge.
    png.data[i * 4] = 255;
    png.data[i * 4 + 1] = 255;
    png.data[i * 4 + 2] = 255;
    png.data[i * 4 + 3] = Math.round(255 * c);
  });
  return png;
}

export function hexToRgb(hex: string): [number, number, number] {
  const m = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(hex);
  if (!m) throw new Error(`not a #rrggbb colour: ${hex}`);
  return [parseInt(m[1]!, 16), parseInt(m[2]!, 16), parseInt(m[3]!, 16)];
}

function writeIcons(dir: string): string[] {
  const files = [
    { path: join(dir, 'color.png'), png: drawColorIcon() },
    { path: join(dir, 'outline.png'), png: drawOutlineIcon() },
  ];
  for (const { path, png } of files) writeFileSync(path, PNG.sync.write(png, { colorType: 6 }));
  return files.map((f) => f.path);
}

if (require.main === module) {
  for (const path of writeIcons(MANIFEST_DIR)) console.log(`wrote ${path}`);
}
