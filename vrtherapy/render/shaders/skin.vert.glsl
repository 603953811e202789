#version 130
// Dual-quaternion skinning on the GPU, joints in world space, then hinge creases: a vertex that has
// crossed the plane bisecting its joint's bend (the inner side of a fist, a bent elbow or knee) is put
// back onto it, so the skin folds instead of passing through itself (limbs/hinges.py, limbs/skinning.py
// do the same on the CPU for the tests). The limb generator gives every vertex at most three
// influences (joint_weights.w is always 0), and under software GL each fetch costs, so only three are read.
uniform mat4 p3d_ModelViewProjectionMatrix;
uniform mat4 p3d_ModelViewMatrix;
uniform mat3 p3d_NormalMatrix;
uniform mat4 u_joints[32];       // rigid skinning matrices (for the hinge planes)
uniform vec4 u_dq[64];           // the same as unit dual quaternions: real (x, y, z, w), dual
uniform vec3 u_joint_rest[32];   // each joint's rest position ...
uniform vec3 u_joint_axis[32];   // ... the rest direction its bone turns into half the fold plane's normal ...
uniform vec3 u_joint_parent_axis[32];  // ... and the one its parent bone turns into the other half ...
uniform float u_joint_parent[32];  // ... and its parent joint
uniform vec3 u_rest_axis;  // the limb's direction in its rest pose (arm: +Y, leg: -Z)
uniform mat4 p3d_ViewMatrix;
uniform vec3 u_key_dir;   // world directions the key and fill lights travel
uniform vec3 u_fill_dir;

in vec4 p3d_Vertex;
in vec3 p3d_Normal;
in vec2 p3d_MultiTexCoord0;
in vec4 joint_indices;
in vec4 joint_weights;
in float nail;  // 0..1: on a finger- or toenail
in vec4 skin;   // crease distance (mm), crease kind, lunula distance (mm), palmar share (limbs/skin_detail.py)
in float tint;  // flush 0..1
in float hinge; // (hinge joint + 1) * side, 0 = none

out vec3 v_normal;    // view space
out vec3 v_position;  // view space
out vec2 v_uv;
out float v_rest_along;  // distance from the limb's root (shoulder, hip) along the limb at rest
out float v_nail;
out vec4 v_skin;
out float v_tint;
out float v_mottle;
flat out vec3 v_key;   // towards the key light, view space
flat out vec3 v_fill;  // towards the fill light
flat out vec3 v_up;    // world up  // -1..1: faint mottling, fixed to the skin (from the rest-pose position)

vec3 rotate(vec4 q, vec3 v) { return v + 2.0 * cross(q.xyz, cross(q.xyz, v) + q.w * v); }

void main() {
    int j0 = int(joint_indices.x), j1 = int(joint_indices.y), j2 = int(joint_indices.z);
    vec4 r0 = u_dq[2 * j0], r1 = u_dq[2 * j1], r2 = u_dq[2 * j2];
    float w0 = joint_weights.x;
    float w1 = dot(r0, r1) < 0.0 ? -joint_weights.y : joint_weights.y;
    float w2 = dot(r0, r2) < 0.0 ? -joint_weights.z : joint_weights.z;
    vec4 r = w0 * r0 + w1 * r1 + w2 * r2;
    vec4 d = w0 * u_dq[2 * j0 + 1] + w1 * u_dq[2 * j1 + 1] + w2 * u_dq[2 * j2 + 1];
    float len = length(r);
    r /= len;
    d /= len;
    vec3 v = p3d_Vertex.xyz;
    vec3 posed = rotate(r, v) + 2.0 * (r.w * d.xyz - d.w * r.xyz + cross(r.xyz, d.xyz));
    if (hinge != 0.0) {
        int h = int(abs(hinge)) - 1;
        int p = int(u_joint_parent[h]);
        float side = sign(hinge);
        vec3 centre = (u_joints[h] * vec4(u_joint_rest[h], 1.0)).xyz;
        vec3 n = normalize(mat3(u_joints[h]) * u_joint_axis[h] + mat3(u_joints[p]) * u_joint_parent_axis[h]);
        float s = dot(posed - centre, n) * side;
        posed -= min(s - 0.0003, 0.0) * side * n;
    }
    gl_Position = p3d_ModelViewProjectionMatrix * vec4(posed, 1.0);
    v_position = (p3d_ModelViewMatrix * vec4(posed, 1.0)).xyz;
    v_normal = p3d_NormalMatrix * rotate(r, p3d_Normal);
    v_uv = p3d_MultiTexCoord0;
    v_rest_along = dot(v, u_rest_axis);
    v_nail = nail;
    v_skin = skin;
    v_tint = tint;
    v_key = normalize(mat3(p3d_ViewMatrix) * -u_key_dir);
    v_fill = normalize(mat3(p3d_ViewMatrix) * -u_fill_dir);
    v_up = normalize(mat3(p3d_ViewMatrix) * vec3(0.0, 0.0, 1.0));
    vec3 m = v * 180.0;  // centimetre-scale waves
    v_mottle = sin(m.x + 1.7 * sin(m.y * 0.63)) * sin(m.y * 0.81 + 1.3 * sin(m.z)) * sin(m.z * 0.9 + m.x * 0.4);
}
