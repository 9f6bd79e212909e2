/* fixtures.h - the MCP conformance suite's fixture catalogue (notes/mcp.md §5.3): the tools,
 * resources, resource template and prompts that the suite's scenarios call by name.
 * Layer: tests (conformance). Needs only server/mcp/mcp.h. */
#ifndef SKILLD_TESTS_CONFORMANCE_FIXTURES_H
#define SKILLD_TESTS_CONFORMANCE_FIXTURES_H

#include "server/mcp/mcp.h"

/* Register every fixture into engine (before serving). Aborts with the engine's message on
 * stderr if a row is refused (a name already taken by the caller, or a bad row here). */
void conformance_fixtures_register(mcp_engine *engine);

/* The fixtures of the 2026-07-28 scenarios (fixtures_2026.c), registered by the above;
 * must() stops on a refused row. */
void conformance_fixtures_2026_register(mcp_engine *engine,
                                        void (*must)(err_code, const struct err *));


#endif
