// Default explanation and remedy for each reason code. The words come from policy data only (provider
// names, host patterns, rule descriptions), never from the request, so they are safe on a block page,
// in a log line and in a report. A catalog rule may replace them with its own `explanation`/`remedy`.

import type { ReasonCode } from '../domain/reason.js';

export interface TextContext {
  /** Provider display name, or '' for rules that belong to no provider. */
  readonly provider: string;
  /** What the rule is about: a host pattern, an endpoint name, "`store: true`", ... */
  readonly subject: string;
}

export interface Texts {
  readonly explanation: string;
  readonly remedy: string;
}

const ASK_REVIEW = 'or ask the security team to review it';

export function reasonTexts(reason: ReasonCode, c: TextContext): Texts {
  const p = c.provider === '' ? 'the provider' : c.provider;
  const s = c.subject;
  switch (reason) {
    case 'allowed':
      return { explanation: `${s} is allowed by the policy.`, remedy: '' };
    case 'coach_continue':
      return {
        explanation: 'You chose to continue after the warning page; the visit is recorded.',
        remedy: '',
      };
    case 'consumer_surface':
      return {
        explanation: `${s} is a consumer AI surface of ${p}. Consumer plans are not covered by zero data retention, so what you send there may be stored.`,
        remedy:
          "Use the company's approved AI access instead: an API client with a ZDR-approved key, or the enterprise workspace IT provides.",
      };
    case 'console_surface':
      return {
        explanation: `${s} is the ${p} console or workbench, which zero data retention does not cover.`,
        remedy: `Use the ${p} API with the company's ZDR-approved key; ask IT if you need console access for administration.`,
      };
    case 'provider_not_zdr':
      return {
        explanation: `${p} offers no zero-data-retention arrangement the company has approved, so ${s} is blocked.`,
        remedy: 'Use an approved AI provider through the company API access instead.',
      };
    case 'host_blocked':
      return {
        explanation: `${s} is blocked by the company policy.`,
        remedy: 'Ask IT which approved service to use instead.',
      };
    case 'connect_refused':
      return {
        explanation: `Connections to ${s} are refused before decryption: the app pins its certificates, so it cannot be inspected.`,
        remedy: `Use the company's approved ${p} access instead; IT can deploy a pin exception if this app is approved.`,
      };
    case 'port_not_allowed':
      return {
        explanation: 'The proxy only forwards to approved ports, and this connection asked for another one.',
        remedy: 'Use the standard HTTPS port 443, or ask IT to add the port to settings.allowed_ports.',
      };
    case 'sni_mismatch':
      return {
        explanation:
          'The TLS server name did not match the host named in the CONNECT request, so the connection was refused.',
        remedy: 'Connect to the host the CONNECT request names; check the client proxy settings.',
      };
    case 'host_mismatch':
      return {
        explanation:
          'The Host header named a different host than the intercepted connection, so the request was refused.',
        remedy: 'Send each request to the host its connection was opened for.',
      };
    case 'missing_credential':
      return {
        explanation: `The request to ${s} carried no ${p} API credential, so the proxy cannot check that it uses a ZDR-approved key.`,
        remedy: `Send the company's ZDR-approved ${p} key (ask IT for access).`,
      };
    case 'unapproved_credential':
      return {
        explanation: `The ${p} credential on this request is not on the list of ZDR-approved credentials.`,
        remedy: `Use the company's ZDR-approved ${p} key; administrators approve keys with 'zdr-egress credential add'.`,
      };
    case 'oauth_token':
      return {
        explanation: `The request uses a ${p} OAuth token. Consumer subscriptions use the same kind of token, so it cannot be shown to belong to the company's ZDR organisation.`,
        remedy: `Use the company's ZDR-approved ${p} API key, or ask IT to restrict the organisation with a tenant header and allow_oauth_tokens.`,
      };
    case 'data_retaining_endpoint':
      return {
        explanation: `${s} stores data at ${p}; it is not eligible for zero data retention.`,
        remedy:
          'Use a ZDR-eligible endpoint instead: send requests synchronously rather than as a batch, and pass content inline rather than as stored files or threads.',
      };
    case 'unknown_endpoint':
      return {
        explanation: `This ${p} endpoint is not on the policy's list of ZDR-eligible endpoints, so it is blocked until reviewed.`,
        remedy: `Use a listed endpoint (see 'zdr-egress policy explain'), ${ASK_REVIEW} and add it to the catalog.`,
      };
    case 'anonymous_use':
      return {
        explanation: `Logged-out use of ${s} is blocked: only the company workspace may be used.`,
        remedy: 'Sign in with your company account.',
      };
    case 'retaining_feature':
      return {
        explanation: `The request uses ${s}, which makes ${p} keep data beyond the request.`,
        remedy: `Remove ${s} from the request and keep conversation state in your own application.`,
      };
    case 'retaining_tool':
      return {
        explanation: `The request enables ${s}, which keeps data at ${p} or sends it to a third party.`,
        remedy: 'Remove the tool, or run the equivalent on your side (client-side tools are ZDR-eligible).',
      };
    case 'retaining_beta':
      return {
        explanation: `The request enables ${s}, a beta feature not covered by zero data retention.`,
        remedy: 'Remove that value from the beta header.',
      };
    case 'body_unreadable':
      return {
        explanation: `The request body to ${s} could not be read as JSON, so the policy's body rules cannot be checked.`,
        remedy: 'Send a valid JSON body (Content-Type: application/json).',
      };
    case 'body_too_large':
      return {
        explanation:
          'The request body is larger than the inspection limit; the proxy does not forward a body it could not check.',
        remedy: 'Send a smaller request, or ask IT to raise the inspection limit.',
      };
    case 'policy_unavailable':
      return {
        explanation: 'No valid policy is loaded, so AI requests are blocked.',
        remedy: "An administrator must fix the policy files ('zdr-egress policy check' lists the errors).",
      };
    case 'decision_log_unavailable':
      return {
        explanation: 'The decision log is failing, and the policy blocks AI traffic until it recovers.',
        remedy: 'Try again later; administrators should check the data directory and /readyz.',
      };
    case 'internal_error':
      return {
        explanation:
          'The proxy hit an internal error while checking this AI request and blocked it (fail closed).',
        remedy: 'Try again; if it persists, report the decision id to IT.',
      };
    case 'egress_denied':
      return {
        explanation:
          "The destination resolves to a private, loopback or cloud-metadata address, which the proxy does not reach on anyone's behalf.",
        remedy:
          'Use the public address of the service; administrators can allow-list a private range with egress_allow.',
      };
    case 'client_not_allowed':
      return {
        explanation: "This device's address is not in the ranges allowed to use the proxy.",
        remedy: 'Connect from the company network or VPN; administrators set the ranges with client_allow.',
      };
    case 'auth_required':
      return {
        explanation: 'The proxy needs you to sign in before it forwards anything.',
        remedy:
          'Configure the proxy user name and password IT gave you in your client or system proxy settings.',
      };
    default: {
      const unreachable: never = reason;
      return unreachable;
    }
  }
}
