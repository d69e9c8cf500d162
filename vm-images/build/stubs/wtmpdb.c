/*
 * Berth's libwtmpdb.so.0: the login database's three calls OpenSSH 10's sshd-session and sshd-auth
 * make, answered without keeping a database. Debian's library keeps it in SQLite, which costs the
 * VM's root ~1.1 MB (libsqlite3) for a record of logins nobody reads: the only logins are the host
 * agent's. The signatures are those of wtmpdb 0.73's wtmpdb.h; the version node is the library's.
 * No libc: the calls only answer.
 */
#include <stdint.h>

int64_t wtmpdb_login(const char *db_path, int type, const char *user, uint64_t usec_login, const char *tty,
                     const char *rhost, const char *service, char **error)
{
	(void)db_path, (void)type, (void)user, (void)usec_login, (void)tty, (void)rhost, (void)service;
	if (error)
		*error = 0;
	return 0; /* the id of the login record, which logout is later given back */
}

int wtmpdb_logout(const char *db_path, int64_t id, uint64_t usec_logout, char **error)
{
	(void)db_path, (void)id, (void)usec_logout;
	if (error)
		*error = 0;
	return 0;
}

int64_t wtmpdb_get_id(const char *db_path, const char *tty, char **error)
{
	(void)db_path, (void)tty;
	if (error)
		*error = 0;
	return 0;
}
