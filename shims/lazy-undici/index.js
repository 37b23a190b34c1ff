'use strict'
// @actions/http-client imports undici at its top level only for ProxyAgent (handed to fetch()
// callers by getAgentDispatcher), and @actions/github only for fetch (getOctokit's proxy path);
// this action uses neither. Evaluating undici costs ~50 ms of every step's start-up (see
// BENCHMARKS.md), so the project installs this package as `undici` (package.json: a file:
// dependency, which both packages' ^6 ranges accept) and it loads the real undici, at the same
// version, the first time either export is used.
let real
function load() {
  real = real || require('undici-real')
  return real
}

class ProxyAgent {
  constructor(...args) {
    const Real = load().ProxyAgent
    return new Real(...args)
  }
}

function fetch(...args) {
  return load().fetch(...args)
}

module.exports = { ProxyAgent, fetch }
