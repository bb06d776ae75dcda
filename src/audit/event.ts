/** The audit event type lives in the shared vocabulary (the store and the gateway use it too). */
export * from '../shared/audit-event.js';
