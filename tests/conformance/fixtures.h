/* fixtures.h - the MCP conformance suite's fixture catalogue (notes/mcp.md §5.3): the tools,
 * resources, resource template and prompts that the suite's scenarios call by name.
 * Layer: tests (conformance). Needs only server/mcp.h. */
#ifndef SKILLD_TESTS_CONFORMANCE_FIXTURES_H
#define SKILLD_TESTS_CONFORMANCE_FIXTURES_H

#include "server/mcp/mcp.h"

/* Register every fixture into e (before serving). Aborts if a row cannot be registered,
 * which only happens when a name is already taken: a bug in the caller's setup. */
void conformance_fixtures_register(mcp_engine *e);

#endif
