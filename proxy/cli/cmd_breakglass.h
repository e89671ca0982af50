/*
 * portcullis breakglass grant|revoke|list: the operator's emergency
 * override for one image digest (proxy/gate/breakglass.c).
 */
#ifndef PROXY_CLI_CMD_BREAKGLASS_H
#define PROXY_CLI_CMD_BREAKGLASS_H

int	cmd_breakglass(int argc, char **argv);

#endif
