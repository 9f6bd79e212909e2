/* command.c - commands: an imperative on named resources, the API action it names and
 * its payload. Layer: router. */
#include "router/rt_query.h"
