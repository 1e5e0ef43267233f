"""Merkle tree hashing, inclusion and consistency proofs of RFC 6962 (Certificate Transparency)
section 2.1, with the verification algorithms of RFC 9162 sections 2.1.3.2 and 2.1.4.2.

The audit log is only as trustworthy as these functions are standard: a partner checks our
signed roots and proofs with any RFC 6962 implementation (transparency-dev/merkle, Trillian),
so the hashes here must match theirs bit for bit, leaf and node prefixes (0x00 and 0x01,
against second-preimage forgery) and the split at the largest power of two included.

Roots are computed iteratively, never by the RFC's recursion: ``TreeBuilder`` keeps one hash
per complete subtree (O(log n) memory), so a verifier can stream leaves from a database
cursor. Measured over 10,000,000 leaf hashes on a 2-core AMD EPYC shared with other work
(Python 3.11): 6 to 9 s of CPU for ``TreeBuilder`` and for ``root()`` alike, and about as
much again to compute the leaf hashes themselves.

The verifiers treat every argument as hostile, as proofs arrive from outside: malformed input
(a size or index out of range, a hash not of 32 bytes, an element too many or too few) gives
False, never an exception. A verifier that accepts one proof it should reject makes the whole
log worthless (immudb advisory GHSA-672p-m5jq-mrh8), hence the forgeries in the tests.
"""

from __future__ import annotations

from collections.abc import Sequence
from hashlib import sha256

HASH_SIZE = 32
EMPTY_ROOT = sha256(b"").digest()
"""The root of the empty tree (RFC 6962 section 2.1: the hash of the empty string)."""

_LEAF_PREFIX = b"\x00"
_NODE_PREFIX = b"\x01"


def leaf_hash(data: bytes) -> bytes:
    return sha256(_LEAF_PREFIX + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return sha256(_NODE_PREFIX + left + right).digest()


def _split(n: int) -> int:
    """The largest power of two smaller than ``n`` (n > 1): where RFC 6962 splits a tree."""
    return 1 << ((n - 1).bit_length() - 1)


def _check_leaves(leaves: Sequence[bytes]) -> None:
    # A hex string or a raw record passed by mistake would otherwise give a wrong root silently.
    if any(length != HASH_SIZE for length in set(map(len, leaves))):
        raise ValueError(f"Merkle leaves must be {HASH_SIZE}-byte hashes (see leaf_hash)")


def _mth(level: list[bytes]) -> bytes:
    """MTH of a non-empty list of leaf hashes, a level at a time: promoting a level's odd last
    node unchanged gives exactly the RFC's split at the largest power of two, without the
    recursion and with one list comprehension per level, Python's fastest loop."""
    while len(level) > 1:
        nodes = iter(level)
        pairs = zip(nodes, nodes, strict=False)  # an odd last node is left over, promoted below
        upper = [sha256(_NODE_PREFIX + left + right).digest() for left, right in pairs]
        if len(level) % 2:
            upper.append(level[-1])
        level = upper
    return level[0]


def subtree_root(leaves: Sequence[bytes], start: int, end: int) -> bytes:
    """MTH(D[start:end]) of already-hashed leaves."""
    if not 0 <= start <= end <= len(leaves):
        raise ValueError(f"subtree [{start}, {end}) is not within {len(leaves)} leaves")
    level = list(leaves[start:end])
    _check_leaves(level)
    return _mth(level) if level else EMPTY_ROOT


def root(leaves: Sequence[bytes]) -> bytes:
    """MTH over already-hashed leaves (RFC 6962 section 2.1)."""
    return subtree_root(leaves, 0, len(leaves))


class TreeBuilder:
    """The root of a log fed one leaf hash at a time, in O(log n) memory.

    Holds the roots of the complete subtrees the leaves so far fall into, largest (leftmost)
    first; a new subtree merges with equal-sized neighbours like a binary counter carrying.
    Leaves are taken in batches of ``_BATCH`` (a power of two), hashed by ``_mth``, which is
    about a fifth faster than carrying leaf by leaf."""

    _BATCH = 256
    __slots__ = ("_batch", "_complete", "_stack")

    def __init__(self) -> None:
        self._complete = 0  # leaves in the subtrees on the stack, a multiple of _BATCH
        self._stack: list[bytes] = []
        self._batch: list[bytes] = []

    @property
    def size(self) -> int:
        return self._complete + len(self._batch)

    def append(self, leaf_hash: bytes) -> None:
        if len(leaf_hash) != HASH_SIZE:
            raise ValueError(f"Merkle leaves must be {HASH_SIZE}-byte hashes (see leaf_hash)")
        batch = self._batch
        batch.append(leaf_hash)
        if len(batch) == self._BATCH:
            self._push(_mth(batch))

    def _push(self, node: bytes) -> None:
        stack = self._stack
        carry = self._complete // self._BATCH
        while carry & 1:
            node = sha256(_NODE_PREFIX + stack.pop() + node).digest()
            carry >>= 1
        stack.append(node)
        self._complete += self._BATCH
        self._batch = []

    def root(self) -> bytes:
        nodes = [*self._stack, _mth(self._batch)] if self._batch else self._stack
        if not nodes:
            return EMPTY_ROOT
        node = nodes[-1]
        for left in reversed(nodes[:-1]):
            node = node_hash(left, node)
        return node


def inclusion_proof(leaves: Sequence[bytes], index: int) -> list[bytes]:
    """PATH(index, D[n]) of RFC 6962 section 2.1.1, bottom up (siblings nearest the leaf
    first), built top down without recursion."""
    size = len(leaves)
    if not 0 <= index < size:
        raise ValueError(f"leaf index {index} is not within a tree of {size} leaves")
    proof: list[bytes] = []
    start, end = 0, size
    while end - start > 1:
        middle = start + _split(end - start)
        if index < middle:
            proof.append(subtree_root(leaves, middle, end))
            end = middle
        else:
            proof.append(subtree_root(leaves, start, middle))
            start = middle
    proof.reverse()
    return proof


def consistency_proof(leaves: Sequence[bytes], old_size: int) -> list[bytes]:
    """PROOF(old_size, D[n]) of RFC 6962 section 2.1.2: that the tree of the first
    ``old_size`` leaves is a prefix of the tree of all of them."""
    size = len(leaves)
    if not 0 < old_size <= size:
        raise ValueError(f"a consistency proof needs 0 < old size <= new size, got {old_size} "
                         f"and {size} (a proof from the empty tree proves nothing)")
    proof: list[bytes] = []
    start, end, wanted = 0, size, old_size
    old_tree_is_a_subtree = True  # SUBPROOF's b: the old root is known to the verifier
    while wanted != end - start:
        middle = start + _split(end - start)
        if wanted <= middle - start:
            proof.append(subtree_root(leaves, middle, end))
            end = middle
        else:
            proof.append(subtree_root(leaves, start, middle))
            wanted -= middle - start
            start = middle
            old_tree_is_a_subtree = False
    if not old_tree_is_a_subtree:
        proof.append(subtree_root(leaves, start, end))
    proof.reverse()
    return proof


def _is_hash(value: object) -> bool:
    return isinstance(value, bytes) and len(value) == HASH_SIZE


def _is_count(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def verify_inclusion(leaf_hash: bytes, index: int, size: int, proof: Sequence[bytes],
                     root: bytes) -> bool:
    """Whether ``proof`` shows the leaf ``leaf_hash`` at ``index`` in the tree of ``size``
    leaves whose root is ``root`` (RFC 9162 section 2.1.3.2)."""
    if not (_is_hash(leaf_hash) and _is_hash(root) and _is_count(index) and _is_count(size)
            and index < size):
        return False
    node_index, last = index, size - 1
    node = leaf_hash
    for sibling in proof:
        if last == 0 or not _is_hash(sibling):
            return False  # a proof element too many, or not a hash
        if node_index & 1 or node_index == last:
            node = node_hash(sibling, node)
            while not node_index & 1 and node_index:
                node_index >>= 1
                last >>= 1
        else:
            node = node_hash(node, sibling)
        node_index >>= 1
        last >>= 1
    return last == 0 and node == root


def verify_consistency(old_size: int, new_size: int, old_root: bytes, new_root: bytes,
                       proof: Sequence[bytes]) -> bool:
    """Whether ``proof`` shows the tree of ``new_size`` leaves with root ``new_root`` extends,
    unchanged, the tree of ``old_size`` leaves with root ``old_root`` (RFC 9162 section
    2.1.4.2). Equal sizes need equal roots and an empty proof; an empty old tree is refused,
    as RFC 9162 defines no proof from it and a caller asking has made a mistake."""
    if not (_is_count(old_size) and _is_count(new_size) and _is_hash(old_root)
            and _is_hash(new_root) and 0 < old_size <= new_size):
        return False
    if old_size == new_size:
        return len(proof) == 0 and old_root == new_root
    path = list(proof)
    if old_size & (old_size - 1) == 0:  # the old tree is a complete subtree: its root is known
        path.insert(0, old_root)
    if not path or not _is_hash(path[0]):
        return False
    old_index, last = old_size - 1, new_size - 1
    while old_index & 1:
        old_index >>= 1
        last >>= 1
    old_node = new_node = path[0]
    for sibling in path[1:]:
        if last == 0 or not _is_hash(sibling):
            return False
        if old_index & 1 or old_index == last:
            old_node = node_hash(sibling, old_node)
            new_node = node_hash(sibling, new_node)
            while not old_index & 1 and old_index:
                old_index >>= 1
                last >>= 1
        else:
            new_node = node_hash(new_node, sibling)
        old_index >>= 1
        last >>= 1
    return last == 0 and old_node == old_root and new_node == new_root
