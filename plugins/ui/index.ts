/**
 * The Preact panel shared by every Stipple host (canvas, Figma, Photopea):
 * edit picker, prompts with token counts, parameters, mask settings, model
 * manager, progress with ETA, preview and cancel, variants and history.
 *
 * Wrap it in an element with class `stp-theme` and call `injectPanelStyles()`.
 */
export { Panel } from './Panel';
export type { PanelProps } from './Panel';
export { usePanelStore } from './hooks';
export { initialState, isBusy, panelReducer, startParams } from './store';
export type { HistoryEntry, PanelAction, PanelState, ResultsView, RunState } from './store';
export {
  controlsFor,
  DEFAULT_STRENGTH,
  defaultParams,
  MASKED_CONTENT_LABELS,
  OPERATION_HINTS,
  OPERATION_LABELS,
  paramsForRun,
  paramsFromResult,
  randomSeed,
  toRequest,
  validate,
  withOperation,
} from './params';
export type { ControlSet, PanelParams, ParamsRequest } from './params';
export { formatBytes, formatDuration, formatEta, formatTokens, PHASE_LABELS } from './format';
export { modelSizes, panelResolution, workingSizeLabel } from './working-size';
export { askToDownload, loadsWithoutAsking } from './model-link';
export { ModelLinkPrompt } from './components/ModelLinkPrompt';
export { PANEL_CSS, injectPanelStyles } from './styles';
export { ModelManager } from './components/ModelManager';
export { EngineLine } from './components/EngineLine';
export type { EngineLineProps } from './components/EngineLine';
export { loadEngineModel, siteNextTo } from './engine-model';
export type { EngineSite, LoadedModel, LoadEngineOptions } from './engine-model';
export { rememberBackend, rememberedBackend } from './backend-pref';
export type { CachedModel, ModelManagerProps, ModelPresetOption, ModelStatus } from './components/ModelManager';
export type { TokenCounter } from './components/PromptFields';
export { ProgressView } from './components/ProgressView';
export { OperationPicker } from './components/OperationPicker';
export { PromptFields } from './components/PromptFields';
export { ParamControls } from './components/ParamControls';
export { MaskControls } from './components/MaskControls';
export { ResultsView as ResultsPanel } from './components/ResultsView';
export { HistoryList } from './components/HistoryList';
export { RgbaCanvas } from './components/RgbaCanvas';
export { LiveStatus, liveLabel } from './components/LiveStatus';
export type { LiveStatusProps } from './components/LiveStatus';
export { HostLive } from './components/HostLive';
export type { HostLiveProps, LiveTestHook } from './components/HostLive';
export { keptEntry, liveParams, useLive } from './live';
export type { FollowTarget, KeptLive, LiveCapable, LiveView, UseLiveOptions } from './live';
