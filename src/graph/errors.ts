/** Reading Graph's JSON error body ({"error":{"code","message",…}}, graph-api.md §0), for the collector and doctor. */

/** 403 code of the licence gate (graph-api.md §0): the tenant has no Microsoft Entra ID P1/P2. */
export const LICENCE_CODE = 'Authentication_RequestFromNonPremiumTenantOrB2CTenant';

export function graphErrorCode(body: unknown): string | null {
  const code = (body as { error?: { code?: unknown } } | null | undefined)?.error?.code;
  return typeof code === 'string' ? code : null;
}

/** The error message, cut to 500 characters (it is recorded in the manifest and shown in the pack). */
export function graphErrorMessage(body: unknown): string | null {
  const msg = (body as { error?: { message?: unknown } } | null | undefined)?.error?.message;
  return typeof msg === 'string' ? msg.slice(0, 500) : null;
}

/**
 * 400 code of Privileged Identity Management on a tenant without Microsoft Entra ID P2 / ID Governance (answered
 * by roleEligibilityScheduleInstances and the PIM for Groups schedules): a licence gap, not a failure.
 */
export const PIM_LICENCE_CODE = 'AadPremiumLicenseRequired';
