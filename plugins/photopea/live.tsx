/**
 * Live mode in the Photopea panel: while on, the panel polls the document's
 * cheap revision and sends the document (and the selection, the mask) to a
 * live session when it changed; the latest live result shows in the panel;
 * Keep turns it into a normal result that Apply adds as a layer.
 */
import { followPhotopea, liveEdit, type PhotopeaDocument, type PhotopeaEdit, type PhotopeaLiveInput } from '../../adapters/photopea';
import { MASKED_OPERATIONS } from '../../adapters/photopea/run';
import { HostLive, type KeptLive, type LiveCapable, type PanelParams } from '../ui';

export interface PhotopeaLiveProps {
  doc: PhotopeaDocument;
  engine: LiveCapable | null;
  params: PanelParams;
  busy: boolean;
  /** Poll interval in ms (default 500). */
  pollMs?: number;
  onKept(kept: KeptLive, edit: PhotopeaEdit): void;
}

export function PhotopeaLive(props: PhotopeaLiveProps) {
  const needsSelection = MASKED_OPERATIONS.includes(props.params.operation);
  return (
    <HostLive<PhotopeaLiveInput>
      engine={props.engine}
      params={props.params}
      busy={props.busy}
      selectHint={needsSelection ? 'Open an image and select the area to change' : 'Open an image'}
      testHook="__stipplePhotopeaLive"
      follow={(target, onInput) =>
        followPhotopea(props.doc, target.session, {
          needsSelection,
          ...(props.pollMs !== undefined && { pollMs: props.pollMs }),
          onInput,
          onState: target.onState,
          onError: target.onError,
        })
      }
      onKept={(kept, input) => props.onKept(kept, liveEdit(kept.params.operation, input, kept.result))}
    />
  );
}
