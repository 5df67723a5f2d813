/**
 * Live mode in the Figma panel: while on, the selected image (and mask
 * shape) goes to a live session whenever Figma reports a change to it; the
 * latest live result shows in the panel; Keep turns it into a normal result
 * that Apply writes as a layer (one undo step, as a normal run).
 */
import { followFigma, type LiveLink } from '../../../adapters/figma/live';
import { needsMask } from '../../../core/operations';
import type { FigmaInput, FigmaSession } from '../../../adapters/figma/session';
import { HostLive, type KeptLive, type LiveCapable, type PanelParams } from '../../ui';

export interface FigmaLiveProps {
  link: LiveLink;
  session: FigmaSession;
  engine: LiveCapable | null;
  /** The model's working area in px (the selection is read towards it). */
  targetPixels: number | undefined;
  params: PanelParams;
  busy: boolean;
  onKept(kept: KeptLive, input: FigmaInput): void;
}

export function FigmaLive(props: FigmaLiveProps) {
  const masked = needsMask(props.params.operation);
  return (
    <HostLive<FigmaInput>
      engine={props.engine}
      params={props.params}
      busy={props.busy}
      selectHint={masked ? 'Select the image and a shape over it (the mask)' : 'Select an image'}
      testHook="__stippleFigmaLive"
      follow={(target, onInput) =>
        followFigma(props.link, props.session, target.session, {
          needsMask: masked,
          ...(props.targetPixels !== undefined && { targetPixels: props.targetPixels }),
          onInput,
          onState: target.onState,
          onError: target.onError,
        })
      }
      onKept={props.onKept}
    />
  );
}
