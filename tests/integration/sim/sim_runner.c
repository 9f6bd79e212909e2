/* sim_runner.c - a tiny program that runs `skilld sim` (sim_cli_main) so the kill test can
 * kill -9 a real simulator process. argv after the program name are the sim flags. */
#include "cloud/sim/sim.h"

int main(int argc, char **argv)
{
    argv[0] = "sim";
    return sim_cli_main(argc, argv);
}
