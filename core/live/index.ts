/**
 * Live painting: latest-wins live sessions and the fast TAESD autoencoder.
 */
export { LiveSession, startLive } from './session';
export type { LiveEngine, LiveOptions, LiveParams, LiveResult, LiveState, LiveStats } from './session';
export { loadTaesd, TaesdDecoderSession, TaesdEncoderSession } from './taesd';
export type { TaesdModel } from './taesd';
export { followDocument } from './follow';
export type { DocumentFollower, FollowOptions, FollowState } from './follow';
