#include "scan/advisory/yamljson.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#define YAMLJSON_MAX_DEPTH	64

struct yamljson {
	yaml_parser_t	 p;
	char		*err;
	size_t		 errlen;
};

static json_t	*yamljson_node(struct yamljson *, yaml_event_t *, int depth);

static int
yamljson_next(struct yamljson *y, yaml_event_t *ev)
{
	if (yaml_parser_parse(&y->p, ev))
		return 0;
	snprintf(y->err, y->errlen, "%s at line %zu",
	    y->p.problem ? y->p.problem : "YAML syntax error",
	    y->p.problem_mark.line + 1);
	return -1;
}

static json_t *
yamljson_scalar(yaml_event_t *ev)
{
	const char	*v = (const char *)ev->data.scalar.value;
	size_t		 n = ev->data.scalar.length;

	if (ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE) {
		if (n == 0 || (n == 1 && v[0] == '~') ||
		    (n == 4 && (memcmp(v, "null", 4) == 0 ||
		    memcmp(v, "Null", 4) == 0 || memcmp(v, "NULL", 4) == 0)))
			return json_null();
		if ((n == 4 && (memcmp(v, "true", 4) == 0 ||
		    memcmp(v, "True", 4) == 0)))
			return json_true();
		if ((n == 5 && (memcmp(v, "false", 5) == 0 ||
		    memcmp(v, "False", 5) == 0)))
			return json_false();
	}
	return json_stringn(v, n);
}

static json_t *
yamljson_mapping(struct yamljson *y, int depth)
{
	yaml_event_t	 ev;
	json_t		*obj = json_object(), *val;
	char		*key;

	for (;;) {
		if (yamljson_next(y, &ev) == -1)
			goto fail;
		if (ev.type == YAML_MAPPING_END_EVENT) {
			yaml_event_delete(&ev);
			return obj;
		}
		if (ev.type != YAML_SCALAR_EVENT) {
			snprintf(y->err, y->errlen, "a key that is not a "
			    "scalar at line %zu", ev.start_mark.line + 1);
			yaml_event_delete(&ev);
			goto fail;
		}
		key = strndup((const char *)ev.data.scalar.value,
		    ev.data.scalar.length);
		yaml_event_delete(&ev);
		if (key == NULL)
			goto fail;
		if (json_object_get(obj, key) != NULL) {
			snprintf(y->err, y->errlen, "duplicate key \"%.60s\"",
			    key);
			free(key);
			goto fail;
		}
		if (yamljson_next(y, &ev) == -1) {
			free(key);
			goto fail;
		}
		val = yamljson_node(y, &ev, depth + 1);
		yaml_event_delete(&ev);
		if (val == NULL || json_object_set_new(obj, key, val) == -1) {
			free(key);
			goto fail;
		}
		free(key);
	}
 fail:
	json_decref(obj);
	return NULL;
}

static json_t *
yamljson_sequence(struct yamljson *y, int depth)
{
	yaml_event_t	 ev;
	json_t		*arr = json_array(), *val;

	for (;;) {
		if (yamljson_next(y, &ev) == -1)
			goto fail;
		if (ev.type == YAML_SEQUENCE_END_EVENT) {
			yaml_event_delete(&ev);
			return arr;
		}
		val = yamljson_node(y, &ev, depth + 1);
		yaml_event_delete(&ev);
		if (val == NULL || json_array_append_new(arr, val) == -1)
			goto fail;
	}
 fail:
	json_decref(arr);
	return NULL;
}

/* The value that starts with ev (ev stays the caller's). */
static json_t *
yamljson_node(struct yamljson *y, yaml_event_t *ev, int depth)
{
	if (depth > YAMLJSON_MAX_DEPTH) {
		snprintf(y->err, y->errlen, "nested deeper than %d",
		    YAMLJSON_MAX_DEPTH);
		return NULL;
	}
	switch (ev->type) {
	case YAML_SCALAR_EVENT:
		if (ev->data.scalar.anchor != NULL)
			break;
		return yamljson_scalar(ev);
	case YAML_MAPPING_START_EVENT:
		if (ev->data.mapping_start.anchor != NULL)
			break;
		return yamljson_mapping(y, depth);
	case YAML_SEQUENCE_START_EVENT:
		if (ev->data.sequence_start.anchor != NULL)
			break;
		return yamljson_sequence(y, depth);
	default:
		break;
	}
	snprintf(y->err, y->errlen, "%s at line %zu", ev->type ==
	    YAML_ALIAS_EVENT || ev->type == YAML_SCALAR_EVENT ||
	    ev->type == YAML_MAPPING_START_EVENT ||
	    ev->type == YAML_SEQUENCE_START_EVENT ? "anchors and aliases "
	    "are not accepted" : "unexpected YAML event",
	    ev->start_mark.line + 1);
	return NULL;
}

json_t *
yamljson_load(const char *buf, size_t len, char *err, size_t errlen)
{
	struct yamljson	 y;
	yaml_event_t	 ev;
	json_t		*root = NULL;
	int		 started = 0;

	memset(&y, 0, sizeof(y));
	y.err = err;
	y.errlen = errlen;
	err[0] = '\0';
	if (!yaml_parser_initialize(&y.p)) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	yaml_parser_set_input_string(&y.p, (const unsigned char *)buf, len);
	/* Stream start, document start, then the root node. */
	while (root == NULL) {
		if (yamljson_next(&y, &ev) == -1)
			break;
		if (ev.type == YAML_STREAM_START_EVENT ||
		    ev.type == YAML_DOCUMENT_START_EVENT) {
			started |= ev.type == YAML_DOCUMENT_START_EVENT;
			yaml_event_delete(&ev);
			continue;
		}
		if (ev.type == YAML_STREAM_END_EVENT || !started) {
			snprintf(err, errlen, "no YAML document");
			yaml_event_delete(&ev);
			break;
		}
		root = yamljson_node(&y, &ev, 0);
		yaml_event_delete(&ev);
		if (root == NULL)
			break;
	}
	yaml_parser_delete(&y.p);
	if (root == NULL && err[0] == '\0')
		snprintf(err, errlen, "not YAML");
	return root;
}
