"""The Merkle tree is RFC 6962's bit for bit (or partners could not check our proofs), and its
verifiers accept only honest proofs: the forgeries of immudb advisory GHSA-672p-m5jq-mrh8
(proofs for another leaf, index or size; padded, cut, reordered or altered proofs; proofs
between different logs) all fail, and hostile input gives False, never an exception."""

from __future__ import annotations

from hashlib import sha256
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from joinedup.govern import merkle

# RFC 6962 test vectors as published by transparency-dev/merkle (testonly/constants.go and
# proof/verify_test.go): the leaf inputs, then the root of the first n of them for n = 0..8.
VECTOR_INPUTS = [bytes.fromhex(h) for h in (
    "", "00", "10", "2021", "3031", "40414243", "5051525354555657",
    "606162636465666768696a6b6c6d6e6f")]
VECTOR_ROOTS = [bytes.fromhex(h) for h in (
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328")]
VECTOR_LEAVES = [merkle.leaf_hash(data) for data in VECTOR_INPUTS]


def hx(*hashes: str) -> list[bytes]:
    return [bytes.fromhex(h) for h in hashes]


# (leaf index, tree size, proof)
VECTOR_INCLUSIONS = [
    (0, 1, []),
    (0, 8, hx("96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
              "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
              "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4")),
    (5, 8, hx("bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
              "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
              "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7")),
    (2, 3, hx("fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125")),
    (1, 5, hx("6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
              "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
              "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b")),
]
# (old size, new size, proof)
VECTOR_CONSISTENCIES = [
    (1, 1, []),
    (1, 8, hx("96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
              "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
              "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4")),
    (6, 8, hx("0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
              "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
              "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7")),
    (2, 5, hx("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
              "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b")),
    (6, 7, hx("0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
              "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
              "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7")),
]
SOME_HASH = bytes.fromhex("abacaba000000000000000000000000000000000000000000060061e00123456")


# -- a naive reference: RFC 6962 section 2.1's recursive definitions, transcribed -------------

def ref_node(left: bytes, right: bytes) -> bytes:
    return sha256(b"\x01" + left + right).digest()


def ref_split(n: int) -> int:
    k = 1
    while k * 2 < n:
        k *= 2
    return k


def ref_mth(d: list[bytes]) -> bytes:
    if not d:
        return sha256(b"").digest()
    if len(d) == 1:
        return d[0]
    k = ref_split(len(d))
    return ref_node(ref_mth(d[:k]), ref_mth(d[k:]))


def ref_path(m: int, d: list[bytes]) -> list[bytes]:
    if len(d) == 1:
        return []
    k = ref_split(len(d))
    if m < k:
        return [*ref_path(m, d[:k]), ref_mth(d[k:])]
    return [*ref_path(m - k, d[k:]), ref_mth(d[:k])]


def ref_subproof(m: int, d: list[bytes], b: bool) -> list[bytes]:
    if m == len(d):
        return [] if b else [ref_mth(d)]
    k = ref_split(len(d))
    if m <= k:
        return [*ref_subproof(m, d[:k], b), ref_mth(d[k:])]
    return [*ref_subproof(m - k, d[k:], False), ref_mth(d[:k])]


def leaves(n: int, tag: bytes = b"") -> list[bytes]:
    return [merkle.leaf_hash(tag + i.to_bytes(4, "big")) for i in range(n)]


def built(hashes: list[bytes]) -> merkle.TreeBuilder:
    builder = merkle.TreeBuilder()
    for h in hashes:
        builder.append(h)
    return builder


# -- known answers ----------------------------------------------------------------------------

def test_empty_root_is_the_hash_of_nothing() -> None:
    assert merkle.root([]) == merkle.EMPTY_ROOT == sha256(b"").digest() == VECTOR_ROOTS[0]
    assert merkle.TreeBuilder().root() == VECTOR_ROOTS[0]


def test_leaf_and_node_hashes_carry_the_rfc_6962_prefixes() -> None:
    assert merkle.leaf_hash(b"") == VECTOR_ROOTS[1]  # the one-leaf tree's root is its leaf
    assert merkle.leaf_hash(b"abc") == sha256(b"\x00abc").digest()
    assert merkle.node_hash(VECTOR_LEAVES[0], VECTOR_LEAVES[1]) == VECTOR_ROOTS[2]
    left, right = b"a" * 32, b"b" * 32
    assert merkle.node_hash(left, right) == sha256(b"\x01" + left + right).digest()


@pytest.mark.parametrize("size", range(9))
def test_roots_match_the_published_vectors(size: int) -> None:
    assert merkle.root(VECTOR_LEAVES[:size]) == VECTOR_ROOTS[size]
    assert built(VECTOR_LEAVES[:size]).root() == VECTOR_ROOTS[size]
    assert ref_mth(VECTOR_LEAVES[:size]) == VECTOR_ROOTS[size]


@pytest.mark.parametrize(("index", "size", "proof"), VECTOR_INCLUSIONS)
def test_inclusion_proofs_match_the_published_vectors(index: int, size: int,
                                                      proof: list[bytes]) -> None:
    assert merkle.inclusion_proof(VECTOR_LEAVES[:size], index) == proof
    assert merkle.verify_inclusion(VECTOR_LEAVES[index], index, size, proof, VECTOR_ROOTS[size])


@pytest.mark.parametrize(("old", "new", "proof"), VECTOR_CONSISTENCIES)
def test_consistency_proofs_match_the_published_vectors(old: int, new: int,
                                                        proof: list[bytes]) -> None:
    assert merkle.consistency_proof(VECTOR_LEAVES[:new], old) == proof
    assert merkle.verify_consistency(old, new, VECTOR_ROOTS[old], VECTOR_ROOTS[new], proof)


# -- agreement with the reference, every shape ----------------------------------------------

def test_root_and_tree_builder_agree_with_the_rfc_definition_at_every_size() -> None:
    hashes = leaves(1100)
    builder = merkle.TreeBuilder()
    sizes = {*range(71), 255, 256, 257, 511, 512, 513, 767, 768, 1024, 1025, 1100}
    for size, h in enumerate([*hashes, None]):
        if size in sizes:
            expected = ref_mth(hashes[:size])
            assert merkle.root(hashes[:size]) == expected, size
            assert (builder.size, builder.root()) == (size, expected)
        if h is not None:
            builder.append(h)


def test_every_proof_agrees_with_the_rfc_definition_and_verifies() -> None:
    hashes = leaves(40)
    for size in range(1, 41):
        tree = hashes[:size]
        root = merkle.root(tree)
        for index in range(size):
            proof = merkle.inclusion_proof(tree, index)
            assert proof == ref_path(index, tree)
            assert merkle.verify_inclusion(tree[index], index, size, proof, root)
        for old in range(1, size + 1):
            proof = merkle.consistency_proof(tree, old)
            assert proof == ref_subproof(old, tree, True)
            assert merkle.verify_consistency(old, size, merkle.root(tree[:old]), root, proof)


def test_subtree_root_is_the_root_of_that_slice() -> None:
    hashes = leaves(13)
    for start in range(14):
        for end in range(start, 14):
            assert merkle.subtree_root(hashes, start, end) == ref_mth(hashes[start:end])


@given(st.lists(st.binary(max_size=20), min_size=1, max_size=80), st.data())
def test_any_log_proves_any_of_its_events_and_any_of_its_prefixes(
        data: list[bytes], draw: st.DataObject) -> None:
    tree = [merkle.leaf_hash(d) for d in data]
    root = merkle.root(tree)
    assert built(tree).root() == root
    index = draw.draw(st.integers(0, len(tree) - 1))
    assert merkle.verify_inclusion(merkle.leaf_hash(data[index]), index, len(tree),
                                   merkle.inclusion_proof(tree, index), root)
    old = draw.draw(st.integers(1, len(tree)))
    assert merkle.verify_consistency(old, len(tree), merkle.root(tree[:old]), root,
                                     merkle.consistency_proof(tree, old))


# -- forged inclusion proofs -----------------------------------------------------------------

def mutations(proof: list[bytes], root: bytes) -> list[tuple[str, list[bytes]]]:
    """Every way of tampering with a proof that must not survive verification."""
    out: list[tuple[str, list[bytes]]] = [
        ("extended by a zero hash", [*proof, bytes(32)]),
        ("extended by the root", [*proof, root]),
        ("extended by an empty element", [*proof, b""]),
        ("preceded by the root", [root, *proof]),
        ("preceded by a zero hash", [bytes(32), *proof]),
    ]
    if proof:
        out += [("truncated", proof[:-1]), ("first element dropped", proof[1:]),
                ("first element repeated", [proof[0], *proof]),
                ("element inserted", [proof[0], SOME_HASH, *proof[1:]])]
    for i in range(len(proof)):
        for bit in (0, 3, 255):
            flipped = bytearray(proof[i])
            flipped[bit // 8] ^= 1 << (bit % 8)
            out.append((f"bit {bit} of element {i} flipped",
                        [*proof[:i], bytes(flipped), *proof[i + 1:]]))
    for i in range(len(proof) - 1):
        if proof[i] != proof[i + 1]:
            out.append((f"elements {i} and {i + 1} swapped",
                        [*proof[:i], proof[i + 1], proof[i], *proof[i + 2:]]))
    if len(proof) > 1:
        out.append(("reversed", proof[::-1]))
    return out


def test_a_tampered_inclusion_proof_fails() -> None:
    hashes = leaves(21)
    for size in range(1, 22):
        tree = hashes[:size]
        root = merkle.root(tree)
        for index in range(size):
            proof = merkle.inclusion_proof(tree, index)
            for what, forged in mutations(proof, root):
                assert not merkle.verify_inclusion(tree[index], index, size, forged, root), \
                    (size, index, what)


def test_an_inclusion_proof_proves_only_its_own_leaf_index_and_log() -> None:
    hashes = leaves(21)
    roots = [merkle.root(hashes[:n]) for n in range(22)]
    for size in range(1, 22):
        tree = hashes[:size]
        for index in range(size):
            proof = merkle.inclusion_proof(tree, index)
            for other in range(size):
                if other != index:
                    assert not merkle.verify_inclusion(tree[other], index, size, proof,
                                                       roots[size]), ("leaf", size, index, other)
                    assert not merkle.verify_inclusion(tree[index], other, size, proof,
                                                       roots[size]), ("index", size, index, other)
            for other_size in range(22):
                if other_size != size:  # any other signed log, its own size with its own root
                    assert not merkle.verify_inclusion(tree[index], index, other_size, proof,
                                                       roots[other_size]), (size, other_size)
            for wrong_root in (merkle.EMPTY_ROOT, SOME_HASH, tree[index]):
                if wrong_root != roots[size]:
                    assert not merkle.verify_inclusion(tree[index], index, size, proof,
                                                       wrong_root)


def test_a_leaf_is_not_in_another_log() -> None:
    ours, theirs = leaves(16, b"ours"), leaves(16, b"theirs")
    proof = merkle.inclusion_proof(ours, 5)
    assert not merkle.verify_inclusion(ours[5], 5, 16, proof, merkle.root(theirs))
    assert not merkle.verify_inclusion(
        theirs[5], 5, 16, merkle.inclusion_proof(theirs, 5), merkle.root(ours))


@pytest.mark.parametrize(("index", "size", "proof"), VECTOR_INCLUSIONS[1:])
def test_transparency_dev_inclusion_probes_fail(index: int, size: int,
                                                proof: list[bytes]) -> None:
    leaf, root = VECTOR_LEAVES[index], VECTOR_ROOTS[size]
    probes: list[tuple[Any, ...]] = [
        (leaf, index - 1, size, proof, root), (leaf, index + 1, size, proof, root),
        (leaf, index ^ 2, size, proof, root), (leaf, index, size * 2, proof, root),
        (leaf, index, size // 2, proof, root), (b"WrongLeaf", index, size, proof, root),
        (leaf, index, size, proof, merkle.EMPTY_ROOT), (leaf, index, size, proof, SOME_HASH),
    ]
    for probe in probes:
        assert not merkle.verify_inclusion(*probe), probe


def test_inclusion_in_an_impossible_tree_fails() -> None:
    leaf = merkle.leaf_hash(b"x")
    for index, size in [(0, 0), (1, 0), (1, 1), (2, 1), (5, 5), (-1, 3), (0, -1)]:
        assert not merkle.verify_inclusion(leaf, index, size, [], leaf)
        assert not merkle.verify_inclusion(leaf, index, size, [SOME_HASH], leaf)
    assert merkle.verify_inclusion(leaf, 0, 1, [], leaf)
    assert not merkle.verify_inclusion(leaf, 0, 1, [leaf], leaf)


# -- forged consistency proofs ---------------------------------------------------------------

def test_a_tampered_consistency_proof_fails() -> None:
    hashes = leaves(21)
    roots = [merkle.root(hashes[:n]) for n in range(22)]
    for new in range(1, 22):
        for old in range(1, new):
            proof = merkle.consistency_proof(hashes[:new], old)
            old_root, new_root = roots[old], roots[new]
            forgeries = [*mutations(proof, new_root), ("empty", []),
                         ("extended by the old root", [*proof, old_root]),
                         ("preceded by the old root", [old_root, *proof])]
            for what, forged in forgeries:
                assert not merkle.verify_consistency(old, new, old_root, new_root, forged), \
                    (old, new, what)
            for other_old in range(new + 1):
                if other_old != old:
                    assert not merkle.verify_consistency(other_old, new, roots[other_old],
                                                         new_root, proof), (old, new, other_old)
            for other_new in range(old, 22):
                if other_new != new:
                    assert not merkle.verify_consistency(old, other_new, old_root,
                                                         roots[other_new], proof)
            assert not merkle.verify_consistency(old, new, new_root, old_root, proof)
            assert not merkle.verify_consistency(old, new, SOME_HASH, new_root, proof)
            assert not merkle.verify_consistency(old, new, old_root, SOME_HASH, proof)


def test_a_log_rewritten_before_the_old_checkpoint_is_not_consistent_with_it() -> None:
    for new in range(2, 20):
        for old in range(1, new):
            for changed in range(old):  # the rewrite touches an event the old root covered
                original = leaves(new)
                rewritten = [*original[:changed], merkle.leaf_hash(b"forged"),
                             *original[changed + 1:]]
                old_root = merkle.root(original[:old])
                proof = merkle.consistency_proof(rewritten, old)
                assert not merkle.verify_consistency(old, new, old_root, merkle.root(rewritten),
                                                     proof), (old, new, changed)
                honest = merkle.consistency_proof(original, old)
                assert not merkle.verify_consistency(old, new, old_root, merkle.root(rewritten),
                                                     honest), (old, new, changed)


def test_two_unrelated_logs_are_not_consistent() -> None:
    ours, theirs = leaves(30, b"ours"), leaves(30, b"theirs")
    for old, new in [(1, 2), (4, 8), (7, 30), (16, 30)]:
        for proof in (merkle.consistency_proof(ours[:new], old),
                      merkle.consistency_proof(theirs[:new], old)):
            assert not merkle.verify_consistency(old, new, merkle.root(ours[:old]),
                                                 merkle.root(theirs[:new]), proof)


def test_impossible_sizes_are_never_consistent() -> None:
    r1, r2 = merkle.root(leaves(3)), merkle.root(leaves(5))
    assert merkle.verify_consistency(3, 3, r1, r1, [])
    assert not merkle.verify_consistency(3, 3, r1, r2, [])  # same size, different roots
    assert not merkle.verify_consistency(3, 3, r1, r1, [r1])  # same size, a proof anyway
    assert not merkle.verify_consistency(5, 3, r2, r1, merkle.consistency_proof(leaves(5), 3))
    empty = merkle.EMPTY_ROOT
    for old, new in [(0, 0), (0, 3), (3, 0), (-1, 3), (3, -1)]:
        for proof in ([], [r1], [empty]):
            assert not merkle.verify_consistency(old, new, empty, r1, proof)
            assert not merkle.verify_consistency(old, new, empty, empty, proof)


@pytest.mark.parametrize(("old", "new", "proof"), VECTOR_CONSISTENCIES[1:])
def test_transparency_dev_consistency_probes_fail(old: int, new: int,
                                                  proof: list[bytes]) -> None:
    r1, r2 = VECTOR_ROOTS[old], VECTOR_ROOTS[new]
    probes: list[tuple[Any, ...]] = [
        (old - 1, new, r1, r2, proof), (old + 1, new, r1, r2, proof),
        (old ^ 2, new, r1, r2, proof), (old, new * 2, r1, r2, proof),
        (old, new // 2, r1, r2, proof), (old, new, b"WrongRoot", r2, proof),
        (old, new, r1, b"WrongRoot", proof), (old, new, r2, r1, proof),
        (old, new, r1, r2, []), (old, new, r1, r2, [*proof, b""]),
        (old, new, r1, r2, [*proof, r1]), (old, new, r1, r2, [*proof, r2]),
        (old, new, r1, r2, [b"", *proof]), (old, new, r1, r2, [r1, *proof]),
        (old, new, r1, r2, [r2, *proof]), (old, new, r1, r2, [proof[0], *proof]),
    ]
    for probe in probes:
        assert not merkle.verify_consistency(*probe), probe


# -- hostile input never raises --------------------------------------------------------------

BAD_ELEMENTS: list[Any] = [b"", b"\x00" * 31, b"\x00" * 33, b"\x00" * 64, "0" * 32, "00" * 32,
                           None, 0, bytearray(32), [b"\x00" * 32]]


def test_malformed_elements_fail_without_raising() -> None:
    tree = leaves(11)
    root = merkle.root(tree)
    proof = merkle.inclusion_proof(tree, 6)
    c_proof = merkle.consistency_proof(tree, 6)
    old_root = merkle.root(tree[:6])
    for bad in BAD_ELEMENTS:
        for i in range(len(proof)):
            assert not merkle.verify_inclusion(tree[6], 6, 11, [*proof[:i], bad, *proof[i + 1:]],
                                               root)
        for i in range(len(c_proof)):
            forged = [*c_proof[:i], bad, *c_proof[i + 1:]]
            assert not merkle.verify_consistency(6, 11, old_root, root, forged)
        assert not merkle.verify_inclusion(bad, 6, 11, proof, root)
        assert not merkle.verify_inclusion(tree[6], 6, 11, proof, bad)
        assert not merkle.verify_inclusion(tree[0], 0, 1, [], bad)
        assert not merkle.verify_consistency(6, 11, bad, root, c_proof)
        assert not merkle.verify_consistency(6, 11, old_root, bad, c_proof)
        assert not merkle.verify_consistency(4, 4, bad, bad, [])
        assert not merkle.verify_inclusion(tree[6], bad, 11, proof, root)
        assert not merkle.verify_consistency(bad, 11, old_root, root, c_proof)
    assert not merkle.verify_inclusion(tree[6], 6, True, proof, root)


def test_huge_sizes_and_long_proofs_fail_quickly() -> None:
    leaf = merkle.leaf_hash(b"x")
    assert not merkle.verify_inclusion(leaf, 2**70, 2**80, [SOME_HASH] * 80, SOME_HASH)
    assert not merkle.verify_inclusion(leaf, 0, 4, [SOME_HASH] * 1_000_000, SOME_HASH)
    assert not merkle.verify_consistency(2**70, 2**80, SOME_HASH, SOME_HASH, [SOME_HASH] * 90)


hashes_or_junk = st.one_of(st.binary(min_size=32, max_size=32), st.binary(max_size=70))


@given(hashes_or_junk, st.integers(-3, 2**65), st.integers(-3, 2**65),
       st.lists(hashes_or_junk, max_size=70), hashes_or_junk)
def test_verify_inclusion_returns_a_bool_for_anything(leaf: bytes, index: int, size: int,
                                                      proof: list[bytes], root: bytes) -> None:
    assert merkle.verify_inclusion(leaf, index, size, proof, root) in (True, False)


@given(st.integers(-3, 2**65), st.integers(-3, 2**65), hashes_or_junk, hashes_or_junk,
       st.lists(hashes_or_junk, max_size=70))
def test_verify_consistency_returns_a_bool_for_anything(old: int, new: int, old_root: bytes,
                                                        new_root: bytes,
                                                        proof: list[bytes]) -> None:
    assert merkle.verify_consistency(old, new, old_root, new_root, proof) in (True, False)


@given(st.integers(1, 64), st.data())
def test_random_proofs_do_not_verify(size: int, draw: st.DataObject) -> None:
    tree = leaves(size)
    root = merkle.root(tree)
    index = draw.draw(st.integers(0, size - 1))
    forged = draw.draw(st.lists(st.binary(min_size=32, max_size=32), max_size=8))
    assert not merkle.verify_inclusion(tree[index], index, size, forged, root) \
        or forged == merkle.inclusion_proof(tree, index)


# -- generation refuses bad arguments --------------------------------------------------------

def test_proof_generation_refuses_impossible_requests() -> None:
    tree = leaves(5)
    with pytest.raises(ValueError, match="leaf index 5 is not within a tree of 5 leaves"):
        merkle.inclusion_proof(tree, 5)
    with pytest.raises(ValueError, match="not within"):
        merkle.inclusion_proof(tree, -1)
    with pytest.raises(ValueError, match="not within"):
        merkle.inclusion_proof([], 0)
    for old in (0, 6, -1):
        with pytest.raises(ValueError, match="0 < old size <= new size"):
            merkle.consistency_proof(tree, old)
    with pytest.raises(ValueError, match="not within 5 leaves"):
        merkle.subtree_root(tree, 3, 6)
    with pytest.raises(ValueError, match="not within"):
        merkle.subtree_root(tree, 3, 2)


def test_leaves_that_are_not_hashes_are_refused() -> None:
    with pytest.raises(ValueError, match="32-byte hashes"):
        merkle.root([*leaves(3), b"not a hash"])
    with pytest.raises(ValueError, match="32-byte hashes"):
        merkle.inclusion_proof([*leaves(3), leaves(1)[0].hex().encode()], 0)
    with pytest.raises(ValueError, match="32-byte hashes"):
        merkle.TreeBuilder().append(b"short")
