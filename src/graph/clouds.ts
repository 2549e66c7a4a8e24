/** National clouds: Graph root, authority host and `.default` scope (graph-api.md §C.1). */
export const CLOUDS = {
  global: {
    graphRoot: 'https://graph.microsoft.com',
    authorityHost: 'https://login.microsoftonline.com',
    scope: 'https://graph.microsoft.com/.default',
  },
  usgov: {
    graphRoot: 'https://graph.microsoft.us',
    authorityHost: 'https://login.microsoftonline.us',
    scope: 'https://graph.microsoft.us/.default',
  },
  'usgov-dod': {
    graphRoot: 'https://dod-graph.microsoft.us',
    authorityHost: 'https://login.microsoftonline.us',
    scope: 'https://dod-graph.microsoft.us/.default',
  },
  china: {
    graphRoot: 'https://microsoftgraph.chinacloudapi.cn',
    authorityHost: 'https://login.chinacloudapi.cn',
    scope: 'https://microsoftgraph.chinacloudapi.cn/.default',
  },
} as const;

export type CloudName = keyof typeof CLOUDS;
export const CLOUD_NAMES = Object.keys(CLOUDS) as CloudName[];
