/**
 * Service discovery and the health check, the two routes answered without a token (go-tfe pings
 * when it makes a client). The stand-in has no organization resource: workspaces name theirs.
 */
import { route, type Route } from '../router.ts'
import type { ApiCall } from './call.ts'

export const DiscoveryRoutes: Route<ApiCall>[] = [
  route(
    'GET',
    '/.well-known/terraform.json',
    () => [
      200,
      { 'tfe.v2': '/api/v2/', 'tfe.v2.1': '/api/v2/', 'tfe.v2.2': '/api/v2/', 'state.v2': '/api/v2/' },
      { 'Content-Type': 'application/json' }
    ],
    { open: true }
  ),
  // go-tfe's IsCloud() matches the app name exactly; anything else makes clients take this for Terraform Enterprise.
  route('GET', '/api/v2/ping', () => [204, undefined, { 'TFP-API-Version': '2.6', 'TFP-AppName': 'HCP Terraform' }], { open: true })
]
