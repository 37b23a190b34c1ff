// nock patches node:http when it is first loaded. Under jest's ESM support a module that does
// `import * as http from 'http'` gets a snapshot of the module taken when it is first imported,
// so nock must be loaded before any test module, or @actions/http-client keeps the real http.
require('nock')
