/* portcullis db {import|query|info}: the vulnerability store from the shell. */
#ifndef PROXY_CLI_CMD_DB_H
#define PROXY_CLI_CMD_DB_H

int	cmd_db(int argc, char **argv);

#endif
