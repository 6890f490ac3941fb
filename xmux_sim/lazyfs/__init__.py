"""A lazy volume: a FUSE file system that keeps what was not fsynced in memory.

It passes a directory (the real volume, the *backing* directory) through, but every
change stays in this process's memory until the program makes it durable, and only
then is written to the backing directory. Killing the process (a power cut: it runs as
PID 1 of the app's container) loses exactly what a machine losing power loses; the
backing directory holds the synced state. LazyFS (dsrhaslab/lazyfs) is the model; this
one also keeps directory entries and attributes lazy, not only file data.

The rules (what becomes durable, and when):

1. File data and size (write, truncate, ftruncate, extension) are durable when the file
   is fsynced or fdatasynced, through any descriptor or name of the same inode, or
   written through a descriptor opened with O_SYNC/O_DSYNC.
2. File attributes (mode, owner, times) are durable with the same fsync (fdatasync too).
   A directory's attributes are durable when the directory is fsynced.
3. A directory entry (create, mknod, mkdir, symlink, link, unlink, rmdir, rename) is
   durable when the directory holding it is fsynced. A rename is one change of both
   directories: fsyncing either persists it whole, as journalling file systems do.
   Persisting an entry first persists what it depends on: the directory's own entry in
   its parent when the directory is new, the new place of an inode that a replaced or
   removed name still held, and the removals inside a directory being removed.
4. A newly created name becomes durable with the first fsync of its inode too: ext4
   and XFS make a fsynced new file reachable, and programs rely on it (Go's File.Sync
   never syncs the directory). Only that one name is persisted, with its new ancestors.
5. A name made durable for a file that was never synced holds an empty file: the name
   is durable, the data is not (rule 1), as after a crash on ext4 without auto_da_alloc.
6. Reads see everything, synced or not (the page cache). A clean stop of the program
   (it exits, or the container is stopped) syncs everything, as unmounting does; only
   the death of this process loses data.

sync(2) and syncfs(2) never reach a FUSE file system: on a lazy volume they make nothing
durable (ext4 would make everything durable). Programs relying on them lose more here.

Losing data on purpose (the control socket, see ``control``): ``drop`` forgets the
unsynced state of one file or of everything while the program runs (LazyFS's
clear-cache); with a seed and a fraction it tears writes: that fraction of the unsynced
pages (chosen by the seed) is lost, the rest written through, as when power fails in the
middle of writeback. ``power-off`` does the same and then kills everything in the
container at once.

This package runs inside the images (Debian's Python and pyfuse3): it imports nothing
from the rest of xmux_sim, which only copies it into the image.
"""
