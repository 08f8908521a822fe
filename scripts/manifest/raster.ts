// A few filled shapes and an anti-aliased rasteriser, just enough to draw the
// app's two icons in code: the project makes its own icons (no image editor,
// no third-party artwork), and a reviewer can read the drawing as geometry.

/** A filled shape as a point test in the icon's unit square (0..1, y down). */
export type Shape = (x: number, y: number) => boolean;

export interface Point {
  x: number;
  y: number;
}

export function union(...shapes: Shape[]): Shape {
  return (x, y) => shapes.some((inside) => inside(x, y));
}

export function disc(centre: Point, radius: number): Shape {
  return (x, y) => (x - centre.x) ** 2 + (y - centre.y) ** 2 <= radius ** 2;
}

export function rect(left: number, top: number, right: number, bottom: number): Shape {
  return (x, y) => x >= left && x <= right && y >= top && y <= bottom;
}

/**
 * A stroke along a circle from `fromAngle` clockwise to `toAngle` (radians;
 * y points down, so increasing angles turn clockwise on screen).
 */
export function arc(centre: Point, radius: number, width: number, fromAngle: number, toAngle: number): Shape {
  const sweep = normaliseAngle(toAngle - fromAngle);
  return (x, y) => {
    const distance = Math.hypot(x - centre.x, y - centre.y);
    if (Math.abs(distance - radius) > width / 2) return false;
    return normaliseAngle(Math.atan2(y - centre.y, x - centre.x) - fromAngle) <= sweep;
  };
}

export function triangle(a: Point, b: Point, c: Point): Shape {
  const side = (p: Point, q: Point, x: number, y: number) => (q.x - p.x) * (y - p.y) - (q.y - p.y) * (x - p.x);
  return (x, y) => {
    const s1 = side(a, b, x, y);
    const s2 = side(b, c, x, y);
    const s3 = side(c, a, x, y);
    return (s1 >= 0 && s2 >= 0 && s3 >= 0) || (s1 <= 0 && s2 <= 0 && s3 <= 0);
  };
}

/** The same shape drawn `factor` times as large about the square's centre. */
export function scaled(shape: Shape, factor: number): Shape {
  return (x, y) => shape((x - 0.5) / factor + 0.5, (y - 0.5) / factor + 0.5);
}

export function pointOnCircle(centre: Point, radius: number, angle: number): Point {
  return { x: centre.x + radius * Math.cos(angle), y: centre.y + radius * Math.sin(angle) };
}

/**
 * How much of each pixel of a `size`×`size` image the shape covers (0..1),
 * from a regular grid of samples per pixel. Edges come out smooth without
 * any knowledge of the shapes beyond their point tests.
 */
export function coverage(shape: Shape, size: number, samplesPerAxis: number): Float64Array {
  const out = new Float64Array(size * size);
  const total = samplesPerAxis * samplesPerAxis;
  for (let py = 0; py < size; py++) {
    for (let px = 0; px < size; px++) {
      let hits = 0;
      for (let sy = 0; sy < samplesPerAxis; sy++) {
        for (let sx = 0; sx < samplesPerAxis; sx++) {
          if (shape((px + (sx + 0.5) / samplesPerAxis) / size, (py + (sy + 0.5) / samplesPerAxis) / size)) hits++;
        }
      }
      out[py * size + px] = hits / total;
    }
  }
  return out;
}

function normaliseAngle(angle: number): number {
  const turn = 2 * Math.PI;
  return ((angle % turn) + turn) % turn;
}
