/**
 * The picture the demo opens with, drawn procedurally (no download, the same
 * on every machine): a small landscape with a sun, hills, a lake and a tree.
 */
import type { RgbaImage } from '../../core/image';

export function drawScene(doc: Document, size = 256): RgbaImage {
  const c = doc.createElement('canvas');
  c.width = c.height = size;
  const g = c.getContext('2d', { willReadFrequently: true })!;
  const s = size / 256;
  const sky = g.createLinearGradient(0, 0, 0, 150 * s);
  sky.addColorStop(0, '#5b8fd6');
  sky.addColorStop(1, '#cfe3f5');
  g.fillStyle = sky;
  g.fillRect(0, 0, size, size);
  g.fillStyle = '#ffd86b';
  g.beginPath();
  g.arc(190 * s, 55 * s, 22 * s, 0, Math.PI * 2);
  g.fill();
  const hill = (color: string, pts: [number, number][]): void => {
    g.fillStyle = color;
    g.beginPath();
    g.moveTo(0, size);
    for (const [x, y] of pts) g.lineTo(x * s, y * s);
    g.lineTo(size, size);
    g.closePath();
    g.fill();
  };
  hill('#7d8fa8', [[0, 130], [50, 80], [95, 120], [150, 70], [210, 115], [256, 95]]);
  hill('#5f9b4c', [[0, 160], [70, 140], [140, 155], [200, 135], [256, 150]]);
  g.fillStyle = '#3f7fbf';
  g.beginPath();
  g.ellipse(110 * s, 205 * s, 70 * s, 18 * s, 0, 0, Math.PI * 2);
  g.fill();
  g.fillStyle = '#6b4a2b';
  g.fillRect(40 * s, 150 * s, 8 * s, 40 * s);
  g.fillStyle = '#2f6b34';
  g.beginPath();
  g.arc(44 * s, 145 * s, 22 * s, 0, Math.PI * 2);
  g.fill();
  g.fillStyle = '#ffffff';
  for (const [x, y, r] of [[70, 40, 12], [84, 36, 15], [100, 42, 11]] as const) {
    g.beginPath();
    g.arc(x * s, y * s, r * s, 0, Math.PI * 2);
    g.fill();
  }
  const data = g.getImageData(0, 0, size, size);
  return { width: size, height: size, data: data.data };
}
