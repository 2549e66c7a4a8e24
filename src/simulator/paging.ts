/**
 * Paging of the simulator's collections (graph-api.md §4 paging, §C.3): $top, $filter, an opaque $skiptoken bound to
 * the request, and an absolute @odata.nextLink carrying the request's other options.
 */
import {
  HttpAnswer,
  MAX_PAGE_SIZE,
  singleQueryOptions,
  type PageRows,
  type Reply,
  type RequestContext,
  type RouteName,
} from './http.js';
import { compileFilter, decodeSkipToken, encodeSkipToken, type FilterSchema, type RowPredicate } from './odata.js';
import type { SimTenant } from './tenant.js';

/** Rows examined per page under a selective $filter; a page may come back short or empty, as Graph allows (§C.3). */
const MAX_SCAN_PER_PAGE = 50_000;
/** Rows examined per step of a $filter scan before the event loop runs again. */
const SCAN_ROWS_PER_STEP = 2_000;

export interface PageOptions {
  /** Query options carried into nextLink besides $top and $filter, e.g. $select, $expand. */
  extra?: readonly string[];
  maxTop?: number;
  /** Extra skiptoken binding, e.g. the group id. */
  bind?: string;
  present?: (params: Map<string, string>) => (row: Record<string, unknown>) => Record<string, unknown>;
}

/** A collection as a page source: its length and row k, regenerated on demand. */
export interface PageSource {
  count: number;
  row(k: number): Record<string, unknown>;
}

export type Pager = (
  ctx: RequestContext,
  route: RouteName,
  source: PageSource,
  schema: FilterSchema | null,
  context: string,
  options?: PageOptions,
) => Reply;

/** The pager of one simulator: page sizes and skiptoken bindings are those of its tenant and options. */
export function createPager(tenant: SimTenant, defaultPageSize: number): Pager {
  /**
   * One page of a paged collection (§4 paging, §C.3): $top, $filter, an opaque $skiptoken, absolute nextLink that
   * carries the request's other options. `present` validates the options that shape a row ($select, $expand) and
   * returns the function that shapes one row after the filter. Validation happens here, before any header is
   * sent; the rows are produced by the returned plan, after the headers (sendPage).
   */
  function page(
    ctx: RequestContext,
    route: RouteName,
    source: PageSource,
    schema: FilterSchema | null,
    context: string,
    options: PageOptions = {},
  ): Reply {
    const extra = options.extra ?? [];
    const maxTop = options.maxTop ?? MAX_PAGE_SIZE;
    const params = singleQueryOptions(ctx.url, ['$top', '$skiptoken', ...(schema ? ['$filter'] : []), ...extra]);
    const topText = params.get('$top');
    let top = Math.min(defaultPageSize, maxTop);
    if (topText !== undefined) {
      if (!/^\d+$/.test(topText) || Number(topText) < 1) {
        const message = `Invalid value '${topText}' for $top: expected a positive integer.`;
        throw new HttpAnswer(400, 'BadRequest', message);
      }
      top = Math.min(Number(topText), maxTop);
    }
    const filterText = params.get('$filter');
    const predicate: RowPredicate | undefined =
      filterText === undefined || !schema ? undefined : compileFilter(filterText, schema);
    const binding = `${route}|${options.bind ?? ''}|${tenant.seed}|${tenant.userCount}|${filterText ?? ''}`;
    const tokenText = params.get('$skiptoken');
    const start = tokenText === undefined ? 0 : decodeSkipToken(tokenText, binding, source.count);
    const present = options.present?.(params) ?? ((row: Record<string, unknown>) => row);
    const dup = ctx.pageFault === 'dup';

    /** The nextLink of a page whose scan stopped before offset k, if any rows are left. */
    const nextLinkAt = (k: number): string | undefined => {
      if (k >= source.count) return undefined;
      const query = [`$top=${top}`];
      if (filterText !== undefined) query.push(`$filter=${encodeURIComponent(filterText)}`);
      for (const name of extra) {
        const v = params.get(name);
        if (v !== undefined) query.push(`${name}=${encodeURIComponent(v)}`);
      }
      query.push(`$skiptoken=${encodeSkipToken(k, binding)}`);
      return `${ctx.base}${ctx.url.pathname}?${query.join('&')}`;
    };

    if (!predicate) {
      // The rows are offsets start … end-1; a 'dup' fault puts start-1 first, and this page's last row moves on.
      const end = Math.min(source.count, start + top);
      const lead = dup && start > 0 ? 1 : 0;
      let count = end - start + lead;
      let k = end;
      if (count > top) {
        count = top;
        k = end - 1;
      }
      const rows: PageRows = {
        nextLink: nextLinkAt(k),
        count,
        row: (n) => present(source.row(start - lead + n)),
      };
      return { page: { context, prepare: () => Promise.resolve(rows) } };
    }

    return {
      page: {
        context,
        async prepare(pause) {
          const value: Record<string, unknown>[] = [];
          const offsets: number[] = [];
          let k = start;
          const scanEnd = Math.min(source.count, k + MAX_SCAN_PER_PAGE);
          while (k < scanEnd && value.length < top) {
            if (k > start && !(await pause())) return undefined;
            const stepEnd = Math.min(scanEnd, k + SCAN_ROWS_PER_STEP);
            for (; k < stepEnd && value.length < top; k++) {
              const row = source.row(k);
              if (predicate(row)) {
                value.push(row);
                offsets.push(k);
              }
            }
          }
          if (dup) {
            // Repeat the previous matching row first; this page's own last row moves to the next page.
            for (let back = start - 1; back >= Math.max(0, start - MAX_SCAN_PER_PAGE); back--) {
              const row = source.row(back);
              if (!predicate(row)) continue;
              value.unshift(row);
              offsets.unshift(back);
              if (value.length > top) {
                value.pop();
                k = offsets.pop() ?? k;
              }
              break;
            }
          }
          return { nextLink: nextLinkAt(k), count: value.length, row: (n) => present(value[n] ?? {}) };
        },
      },
    };
  }
  return page;
}
