/** A Graph report the collector fetches into one snapshot file. */
export interface SourceDef {
  id: string;
  title: string;
  apiVersion: 'v1.0' | 'beta';
  /**
   * First request of each slice, relative to the version root. A report that is one object per parameter set
   * (usersRegisteredByFeature/Method) has one request per slice; every response's rows go to the same file.
   */
  requests: string[];
  /** Microsoft retired the report (graph-api.md §0): an empty or 404/410 answer means "retired", not "no data". */
  retired?: { since: string; successor: string };
  /** Documented as not supported with application permissions (graph-api.md §5, §6, §S). */
  delegatedOnly?: boolean;
  /** Required permission, for messages. */
  permission: string;
}
