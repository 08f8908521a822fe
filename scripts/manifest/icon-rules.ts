// Teams refuses an app package whose icons break its rules, with a message
// that does not say which rule. Checking the two files before packing turns a
// hand-edited or half-saved icon into a clear error on the build machine.
import { PNG } from 'pngjs';
import { COLOR_ICON_SIZE, OUTLINE_ICON_SIZE } from './icons';

export type IconRole = 'color' | 'outline';

/** What is wrong with an icon file, one line each; empty when Teams will take it. */
export function iconProblems(role: IconRole, file: string, bytes: Uint8Array): string[] {
  let png: PNG;
  try {
    png = PNG.sync.read(Buffer.from(bytes));
  } catch (err) {
    return [`${file}: not a readable PNG (${(err as Error).message})`];
  }
  const size = role === 'color' ? COLOR_ICON_SIZE : OUTLINE_ICON_SIZE;
  if (png.width !== size || png.height !== size) return [`${file}: must be ${size}×${size} pixels, is ${png.width}×${png.height}`];
  return role === 'color' ? colorIconProblems(file, png) : outlineIconProblems(file, png);
}

function colorIconProblems(file: string, png: PNG): string[] {
  // Teams accepts a solid or a fully transparent background; ours is solid,
  // so any see-through pixel means the file is not the one the project draws.
  for (let i = 3; i < png.data.length; i += 4) {
    if (png.data[i] !== 255) return [`${file}: must be fully opaque (the colour icon has a solid background)`];
  }
  return [];
}

function outlineIconProblems(file: string, png: PNG): string[] {
  const problems: string[] = [];
  const { data, width } = png;
  for (let i = 0; i < data.length; i += 4) {
    const transparent = data[i + 3] === 0;
    const white = data[i] === 255 && data[i + 1] === 255 && data[i + 2] === 255;
    if (!transparent && !white) {
      const pixel = i / 4;
      problems.push(`${file}: must be white on transparent; pixel (${pixel % width}, ${Math.floor(pixel / width)}) is neither`);
      break;
    }
  }
  const last = width - 1;
  const corners: [number, number][] = [[0, 0], [last, 0], [0, last], [last, last]];
  if (corners.some(([x, y]) => data[(y * width + x) * 4 + 3] !== 0)) problems.push(`${file}: its corners must be transparent`);
  return problems;
}
