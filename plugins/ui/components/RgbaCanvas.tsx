/** Draws an RgbaImage into a <canvas> (CSS-scaled; pixelated for tiny previews). */
import { useEffect, useRef } from 'preact/hooks';
import type { RgbaImage } from '../../../core/image';

export function RgbaCanvas(props: { image: RgbaImage; label: string; class?: string; pixelated?: boolean }) {
  const ref = useRef<HTMLCanvasElement>(null);
  const { image } = props;
  useEffect(() => {
    const c = ref.current;
    if (!c) return;
    c.width = image.width;
    c.height = image.height;
    c.getContext('2d')?.putImageData(new ImageData(new Uint8ClampedArray(image.data), image.width, image.height), 0, 0);
  }, [image]);
  return (
    <canvas
      ref={ref}
      role="img"
      aria-label={props.label}
      class={`${props.class ?? ''}${props.pixelated ? ' stp-pixelated' : ''}`}
    />
  );
}
