/** Preact glue for the panel store. */
import { useReducer } from 'preact/hooks';
import type { PanelParams } from './params';
import { initialState, panelReducer, type PanelAction, type PanelState } from './store';

/** The panel's state and dispatch, starting from `params` over the defaults. */
export function usePanelStore(params: Partial<PanelParams> = {}): [PanelState, (action: PanelAction) => void] {
  return useReducer(panelReducer, params, (p) => initialState(p));
}
