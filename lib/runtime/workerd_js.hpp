#pragma once
// The JavaScript modules the generated workerd configurations embed (workerd_config.cpp writes them as files
// next to the configuration): the runtime's own workers and the shims put in front of uploaded ones. Each is
// described where it is defined.
namespace tenantctl::runtime {

extern const char* const k_dispatch_js;       // the dispatch namespace binding (an internal module)
extern const char* const k_entry_js;          // the front's entry worker: an account worker by Host or route
extern const char* const k_tenant_shim_js;    // a tenant's entry: limits, and its dispatch context on fetch()
extern const char* const k_tail_js;           // every worker's tail consumer: records to the platform
extern const char* const k_consumer_shim_js;  // a tail consumer's entry: scriptName filled in
extern const char* const k_stub_js;           // a fixed answer (a worker that failed to start, a missing one)
extern const char* const k_hold_js;           // the socket "hold": answers once its request's body ends
extern const char* const k_egress_js;         // a tenant's globalOutbound when its namespace has outbound workers
extern const char* const k_outbound_shim_js;  // an outbound worker's entry: the dispatcher's parameters in env

// The marker the tenant entry logs an RPC method's name with: the tail worker puts it back in the record, and a
// process's output drops the line.
extern const char* const k_rpc_mark;

}  // namespace tenantctl::runtime
