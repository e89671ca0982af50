/*
 * Limits shared by the proxy modules. Tunables live in struct conf;
 * these are protocol constants.
 */
#ifndef PROXY_PROXY_H
#define PROXY_PROXY_H

#define PROXY_NAME	"portcullis"

#endif
